# Code snippet highlighting (rouge).
require "rouge"
SNIPS = [["ruby", "def f(x)\n  x.map { |y| y * 2 } # c\nend\n"], ["python", "def f(x):\n    return [y for y in x if y]\n"],
         ["javascript", "const f = (a) => a?.b ?? `t${1}`;\n"], ["json", "{\"a\": [1, 2.5, null, true]}"],
         ["sql", "SELECT a, COUNT(*) FROM t WHERE b > 1 GROUP BY a;"], ["c", "int main(void) { return 0; }\n"]].freeze
JOBS = [
  ["html", ->((lang, src)) { Rouge::Formatters::HTML.new.format(Rouge::Lexer.find(lang).lex(src)) }, SNIPS],
  ["terminal", ->((lang, src)) { Rouge::Formatters::Terminal256.new.format(Rouge::Lexer.find(lang).lex(src)) }, SNIPS],
  ["guess", ->((_lang, src)) { Rouge::Lexer.guess(source: src).tag }, SNIPS],
].freeze
