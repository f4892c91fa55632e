# Thumbnail service (chunky_png, pure Ruby PNG).
require "chunky_png"
SIZES = [[4, 3], [16, 16], [7, 1], [32, 9]].freeze
JOBS = [
  ["draw", ->((w, h)) { img = ChunkyPNG::Image.new(w, h, ChunkyPNG::Color::WHITE); img.rect(0, 0, w - 1, h - 1, ChunkyPNG::Color.rgb(255, 0, 0)); img.line(0, 0, w - 1, h - 1, ChunkyPNG::Color.from_hex("#00ff00")); img.to_blob.bytesize }, SIZES],
  ["roundtrip", ->((w, h)) { img = ChunkyPNG::Image.new(w, h, ChunkyPNG::Color.rgba(10, 20, 30, 128)); ChunkyPNG::Image.from_blob(img.to_blob(:best_compression)).resample_nearest_neighbor(w * 2, h).dimension.to_s }, SIZES],
  ["ops", ->((w, h)) { img = ChunkyPNG::Image.new(w, h, ChunkyPNG::Color::BLACK); img.flip_horizontally!; img.rotate_right.crop(0, 0, 1, 1).to_data_url.length }, SIZES],
].freeze
