# Meeting planner time zones (tzinfo).
require "tzinfo"
ZONES = [["Europe/Paris", [2024, 3, 31, 1, 30]], ["America/New_York", [2023, 11, 5, 1, 30]], ["Asia/Kolkata", [2022, 6, 1, 12]], ["Australia/Sydney", [2024, 4, 7, 2, 30]]].freeze
JOBS = [
  ["to_local", ->((z, t)) { TZInfo::Timezone.get(z).to_local(Time.utc(*t)).strftime("%F %T %z") }, ZONES],
  ["periods", ->((z, t)) { tz = TZInfo::Timezone.get(z); p = tz.period_for(Time.utc(*t)); [p.abbreviation, p.utc_total_offset, tz.transitions_up_to(Time.utc(*t), Time.utc(t[0] - 1)).length] }, ZONES],
  ["local_to_utc", ->((z, t)) { TZInfo::Timezone.get(z).local_to_utc(Time.utc(*t)) { |ps| ps.first }.to_s }, ZONES],
].freeze
