"""Reading and checking what editors wrote: files → raw records → a checked `Site`.

`sources` reads one file (YAML or Markdown with front matter) keeping the position of every
value; `schema` holds the field tables and checks a file against its table; `load` finds and
reads every record file; `markup` turns a Markdown body into safe HTML; `validate` applies the
rules that look across records and builds the frozen `Site`; `history` reads when each file last
changed from git. Problems are data (`errors`), never exceptions.
"""
