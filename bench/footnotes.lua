-- The bare-tools baseline of `invoke bench`: each note's text in place of its reference, for WeasyPrint to
-- float to the foot of the page (`float: footnote`, bench/footnotes.css), as the project's PDF does.
function Note(note)
  return pandoc.Span(pandoc.utils.blocks_to_inlines(note.content), {class = "footnote"})
end
