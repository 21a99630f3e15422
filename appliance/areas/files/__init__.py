"""Files: media kept by content hash and served to those who may see them."""
