"""Models of the disclosures app."""
