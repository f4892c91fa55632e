# appsvc (Ruby): an application layer that drives one library through many call paths.
#   ruby bin/run.rb LIB   env: FL_OUT (events file), FL_RELEASE (1|2), FL_SKIP (jobs to skip),
#                              FL_PROFILE (if set: no SDK; method coverage + failing jobs to this file)
# Every error goes through the real sentry-ruby SDK; its transport writes the event item of each
# envelope, exactly as serialized for sending, to FL_OUT instead of POSTing it.
require "json"
ROOT = File.expand_path("..", __dir__)
LIB = ARGV[0]
if ENV["FL_PROFILE"]
  require "coverage"
  Coverage.start(methods: true)
end
require_relative "../app/errors"
require_relative "../app/jobs/#{LIB}"

if ENV["FL_RELEASE"] == "2"
  def timed(fn, x)
    result = fn.call(x)
    result
  end

  def call_job(fn, x)
    timed(fn, x)
  end
else
  def call_job(fn, x)
    fn.call(x)
  end
end

def profile!
  errors = []
  JOBS.each do |name, fn, inputs|
    inputs.each_with_index do |x, i|
      begin
        fn.call(x)
      rescue StandardError, ScriptError => e
        errors << "#{name}##{i}: #{e.class}"
      end
    end
  end
  methods = []
  Coverage.result.each do |file, cov|
    (cov[:methods] || {}).each do |(klass, meth, sl, _sc, el, _ec), count|
      methods << [file, meth.to_s, sl, el, count] if count > 0
    end
  end
  File.write(ENV["FL_PROFILE"], JSON.generate({ errors: errors, methods: methods }))
end

if ENV["FL_PROFILE"]
  profile!
  exit 0
end

require "sentry-ruby"
$traces = {}

class FileTransport < Sentry::Transport
  def send_data(data, options = {})
    lines = data.split("\n")
    i = 1
    while i + 1 < lines.length
      header = JSON.parse(lines[i])
      if header["type"] == "event"
        event = JSON.parse(lines[i + 1])
        File.open(ENV["FL_OUT"], "a") do |f|
          f.puts(JSON.generate({ event: event, trace: $traces.delete(event["event_id"]) || "" }))
        end
      end
      i += 2
    end
  end
end

Sentry.init do |config|
  config.dsn = "https://0123456789abcdef0123456789abcdef@o1.ingest.example.invalid/44"
  config.transport.transport_class = FileTransport
  config.background_worker_threads = 0
  config.release = "appsvc-rb-#{LIB}@#{ENV['FL_RELEASE'] == '2' ? '1.8.0' : '1.7.2'}"
  config.environment = "production"
  config.server_name = "rb-worker-1"
  config.project_root = ROOT
  config.max_breadcrumbs = 20
  config.logger = Logger.new(nil)
  config.before_send = lambda do |event, hint|
    exc = hint[:exception]
    $traces[event.event_id] = exc.full_message(highlight: false, order: :top) if exc
    event
  end
end

# ---- dispatch styles: how the application reaches the library and reports the failure ----
def style_direct(name, fn, x, i)
  call_job(fn, x)
rescue StandardError => e
  Sentry.capture_exception(e)
end

def style_wrapped(name, fn, x, i)
  run_job = lambda do
    begin
      call_job(fn, x)
    rescue StandardError
      raise JobError, "job #{name} failed on item #{i}"
    end
  end
  begin
    run_job.call
  rescue JobError => e
    Sentry.capture_exception(e)
  end
end

def style_thread(name, fn, x, i)
  Thread.new do
    Thread.current.name = "job-#{name}"
    begin
      call_job(fn, x)
    rescue StandardError => e
      Sentry.with_scope { |s| s.set_tags(job: name); Sentry.capture_exception(e) }
    end
  end.join
end

RACK_APP = begin
  require "rack"
  require "rack/mock"
  Rack::Builder.new do
    use Sentry::Rack::CaptureExceptions
    map "/jobs" do
      run(lambda do |env|
        req = Rack::Request.new(env)
        job = env["appsvc.job"]
        call_job(job[0], job[1])
        [200, { "content-type" => "text/plain" }, ["ok #{req.path}"]]
      end)
    end
  end.to_app
rescue LoadError
  nil
end

def style_rack(name, fn, x, i)
  return style_direct(name, fn, x, i) unless RACK_APP
  begin
    Rack::MockRequest.new(RACK_APP).get("/jobs/#{name}/#{i}", "appsvc.job" => [fn, x])
  rescue StandardError
    nil # already reported by Sentry::Rack::CaptureExceptions
  end
end

STYLES = %i[style_direct style_direct style_wrapped style_thread style_rack style_wrapped].freeze

def crc(s)
  h = 2166136261
  s.each_char { |c| h = ((h ^ c.ord) * 16777619) & 0xffffffff }
  h
end

skip = (ENV["FL_SKIP"] || "").split(",")
JOBS.each do |name, fn, inputs|
  inputs.each_with_index do |x, i|
    next if skip.include?("#{name}##{i}")
    send(STYLES[crc("#{name}/#{i}") % STYLES.length], name, fn, x, i)
  end
end
