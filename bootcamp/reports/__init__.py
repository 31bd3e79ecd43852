"""Reports for managers and funders: the insertion dashboard and its exports."""
