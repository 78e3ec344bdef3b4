"""The shared kernel: what the office and the lane both speak (DESIGN section 3).

Holds the pickup-code format and hashing (``codes``), the grant (``grants``), claim outcomes
(``outcomes``), the typed errors and their keys (``errors``), the injectable trusted clock
(``clock``), the site's time zone (``zone``), the port of the office's lane commands
(``lane_commands``), the key files kept out of the database (``keyfile``) and the lane's TLS
trust in its office with the names of its failures (``office_tls``, also read by the config and
``ambil doctor``).

May import: the standard library only. ``controller.office`` and ``controller.lane`` import this
package and never each other (import-linter contract ``office-lane-independent``).
"""
