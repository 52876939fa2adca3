"""Models of the riskmgmt app."""
