"""Work pages of the certification process, one module per desk."""
