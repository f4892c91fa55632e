# Natural-language reminders (chronic).
require "chronic"
NOW = Time.utc(2024, 5, 1, 12, 0, 0)
PHRASES = ["tomorrow at 5pm", "next tuesday", "3 days ago", "last week of june", "in 2 hours", "may 27th", "noon this sunday", "1979-05-27 05:00"].freeze
JOBS = [
  ["parse", ->(s) { Chronic.parse(s, now: NOW).to_s }, PHRASES],
  ["span", ->(s) { Chronic.parse(s, now: NOW, guess: false).to_s }, PHRASES],
].freeze
