"""Running the chapters: the only package that starts kernels.

The chapter runner with its cache keys (``runner``), the chapters and their parameters cells
(``chapters``), the one parameter schema every chapter checks (``parameters``), one chapter's
execution (``execute``), side-by-side scheduling
(``side_by_side``) and Ctrl-C handling (``interrupts``), one chapter run alone for measuring it
(``one_chapter``), the run record that says which outputs came from which run
(``run_record``), the pre-flight check of every parameter and input before chapter 01 starts
(``preflight``) and the export of a chapter as a papermill-ready notebook
(``notebook_export``). One module is also imported by the chapters: ``parameters``, the one
schema of every chapter parameter, which ``p3 run``'s pre-flight and each chapter's check
cell share. The package may import every package below it
(``training``, ``evaluation``, ``data``, ``store``), never ``p3lib.book``.
"""
