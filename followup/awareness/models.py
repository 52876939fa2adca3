"""Models of the awareness app."""
