# Upload classification (mime-types).
require "mime/types"
FILES = ["photo.JPG", "doc.pdf", "archive.tar.gz", "data.json", "noext", "page.xhtml"].freeze
JOBS = [
  ["by_path", ->(f) { MIME::Types.type_for(f).map(&:to_s) }, FILES],
  ["info", ->(f) { t = MIME::Types.type_for(f).first || MIME::Types["text/plain"].first; [t.media_type, t.sub_type, t.extensions, t.binary?, t.friendly] }, FILES],
].freeze
