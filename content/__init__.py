"""What both servers read, through one loader (loader.py): the sourced knowledge, the support directory and the
wording in data/, and the crisis routes written from them (routes.py)."""
