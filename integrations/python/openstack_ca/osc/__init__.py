"""The `openstack ca` commands (python-openstackclient plugin)."""
