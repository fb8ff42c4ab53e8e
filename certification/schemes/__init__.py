"""Schemes as versioned data: the JSON files beside this package and their loader."""
