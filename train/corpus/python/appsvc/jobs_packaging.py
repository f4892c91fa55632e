"""Dependency resolver of the plugin manager: versions, specifiers, markers, requirements."""
from packaging.version import Version, parse
from packaging.specifiers import SpecifierSet
from packaging.requirements import Requirement
from packaging.markers import Marker
from packaging.utils import canonicalize_name, parse_wheel_filename
from packaging.tags import parse_tag


def newest(vs):
    return str(max(parse(v) for v in vs)), sorted(vs, key=Version)


def allowed(args):
    spec, vs = args
    s = SpecifierSet(spec)
    return [v for v in vs if v in s], list(s.filter(vs, prereleases=True)), str(s)


def requirement(s):
    r = Requirement(s)
    return r.name, str(r.specifier), sorted(r.extras), str(r.marker), canonicalize_name(r.name)


def marker(s):
    return Marker(s).evaluate({"python_version": "3.11", "sys_platform": "linux", "extra": "tests"})


def wheel(s):
    name, ver, build, tags = parse_wheel_filename(s)
    return name, str(ver), sorted(str(t) for t in tags), [str(t) for t in parse_tag("py3-none-any")]


TASKS = [
    ("newest", newest, [["1.0", "1.0.post1", "1.1rc1", "0.9"], ["2!1.0", "1.5", "1.5.dev3"],
                        ["3.0.0a1", "3.0.0", "3.0.0b2"]]),
    ("allowed", allowed, [(">=1.0,<2", ["0.9", "1.0", "1.4", "2.0", "1.5a1"]), ("~=2.2", ["2.1", "2.2", "2.9", "3.0"]),
                          ("==1.*,!=1.3", ["1.2", "1.3", "1.9"])]),
    ("requirement", requirement, ["requests[security,socks]>=2.8; python_version>'3.6'",
                                  "Django_Rest.Framework==3.14", "name @ https://example.com/pkg.whl"]),
    ("marker", marker, ["python_version >= '3.8' and sys_platform == 'linux'", "extra == 'tests' or os_name == 'nt'",
                        "python_version < '3'"]),
    ("wheel", wheel, ["pkg_name-1.2.3-py3-none-any.whl", "numpy-1.26.0-cp311-cp311-manylinux_2_17_x86_64.whl",
                      "foo-0.1-1-py2.py3-none-any.whl"]),
]
