"""Where results live on disk, and how they get there safely: the bottom of p3lib.

Atomic writes and p3's folder marker (``atomic``), the layout of a run's output folder
(``run_layout``), metric JSONs with their per-pair side files (``result_files``), the lock that
keeps two p3 commands out of one folder (``output_lock``), quietened progress bars
(``progress``), and the versions of the libraries behind a run's numbers (``environment``).
Every other package writes through these, so one rule (write beside, rename into place; never
replace a folder p3 did not make) holds everywhere. It imports no other p3lib package.
"""
