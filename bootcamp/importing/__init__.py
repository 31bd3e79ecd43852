"""Spreadsheet imports: all or nothing, every bad row reported with its line, column and reason."""
