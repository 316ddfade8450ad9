"""Pages of the tickets app: member pages (``member``), the ticket page (``ticket``), and the
staff console (``staff``)."""
