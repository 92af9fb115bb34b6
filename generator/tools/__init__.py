"""For editors: the preview server (`serve`), record skeletons (`scaffold`) and the web
editor's configuration (`admin`)."""
