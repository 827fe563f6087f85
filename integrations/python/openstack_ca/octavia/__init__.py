"""An Octavia certificate generator (stevedore namespace `octavia.cert_generator`) that has the
amphora certificates issued by OpenStack CA."""
