"""Fetching from the web: pages (`newsbot add`) and feeds, saved as raw copies the sync indexes."""
