"""The prepared article, computed once per article between reading and writing: final ids from one id
authority, numbered figures and notes, citeproc's citations and the bibliography placed, the references
parsed into fields, the localised labels and dates, the suggested citation and the link checks.
May import source/ and the top-level modules; never render/, writers/, pdf/ or build/."""
