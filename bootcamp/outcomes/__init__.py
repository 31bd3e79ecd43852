"""Follow-up of leavers: the queue of follow-ups to record, and recording a situation."""
