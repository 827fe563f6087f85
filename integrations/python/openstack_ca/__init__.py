"""OpenStack CA integrations: the `openstack ca` CLI plugin (openstack_ca.osc) and an Octavia
certificate generator (openstack_ca.octavia), both over openstack_ca.client."""
