"""Structure-aware fuzzing of the reader: mutation operators, an independent reference
reading of one cell, and a committed corpus of mutants with what LibreOffice and Gnumeric
show in them."""
