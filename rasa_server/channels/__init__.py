"""The channels credentials.yml names: the website chat with its sessions and pages, and the REST channel."""
