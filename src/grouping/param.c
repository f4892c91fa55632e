/* Message and exception value parameterisation, as Sentry's message normaliser does it:
 * keep the first two non-empty lines, then replace variable parts with placeholders using one
 * combined regular expression whose alternatives are tried in this order (leftmost match wins):
 * email, url, hostname, ip, traceparent, uuid, sha1, md5, date, duration, swift_txn_id, hex,
 * git_sha, float, int, quoted_str, bool. Each match becomes "<name>". The patterns below are
 * written for PCRE2 (UTF + UCP, so \d \w \b \s are Unicode-aware like Python's re). */
#include "grouping/internal.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <pthread.h>
#include <string.h>

#define TLD_UP "COM|NET|ORG|JP|DE|UK|FR|BR|IT|RU|ES|ME|GOV|PL|CA|AU|CN|CO|IN|NL|EDU|INFO|EU|CH|ID|AT|" \
               "KR|CZ|MX|BE|TV|SE|TR|TW|AL|UA|IR|VN|CL|SK|LY|CC|TO|NO|FI|US|PT|DK|AR|HU|TK|GR|IL|NEWS|" \
               "RO|MY|BIZ|IE|ZA|NZ|SG|EE|TH|IO|XYZ|PE|BG|HK|RS|LT|LINK|PH|CLUB|SI|SITE|MOBI|BY|CAT|WIKI|" \
               "LA|GA|XXX|CF|HR|NG|JOBS|ONLINE|KZ|UG|GQ|AE|IS|LV|PRO|FM|TIPS|MS|SA|APP"
#define TLD_LO "com|net|org|jp|de|uk|fr|br|it|ru|es|me|gov|pl|ca|au|cn|co|in|nl|edu|info|eu|ch|id|at|" \
               "kr|cz|mx|be|tv|se|tr|tw|al|ua|ir|vn|cl|sk|ly|cc|to|no|fi|us|pt|dk|ar|hu|tk|gr|il|news|" \
               "ro|my|biz|ie|za|nz|sg|ee|th|io|xyz|pe|bg|hk|rs|lt|link|ph|club|si|site|mobi|by|cat|wiki|" \
               "la|ga|xxx|cf|hr|ng|jobs|online|kz|ug|gq|ae|is|lv|pro|fm|tips|ms|sa|app"

#define V4OCT "(25[0-5]|(2[0-4]|1{0,1}[0-9]){0,1}[0-9])"
#define H4 "[0-9a-fA-F]{1,4}"
#define MON "(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)"
#define DAY "(?:Sun|Mon|Tue|Wed|Thu|Fri|Sat)"
#define TZ "(?:UT|GMT|(?:E|C|M|P)(?:ST|DT)|[A-IK-Z])"

static const struct {
    const char *name;
    const char *re;
} patterns[] = {
    {"email", "[a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-zA-Z0-9-]+(?:\\.[a-zA-Z0-9-]+)*"},
    {"url", "\\b(wss?|https?|ftp)://[^\\s/$.?#].[^\\s]*"},
    {"hostname", "\\b([a-zA-Z0-9\\-]{1,63}\\.)+?((" TLD_UP ")|(" TLD_LO "))\\b"},
    {"ip", "(?<![0-9a-zA-Z_])("
           "(" H4 ":){7,7}" H4 "|"
           "(" H4 ":){1,7}:|"
           "(" H4 ":){1,6}:" H4 "|"
           "(" H4 ":){1,5}(:" H4 "){1,2}|"
           "(" H4 ":){1,4}(:" H4 "){1,3}|"
           "(" H4 ":){1,3}(:" H4 "){1,4}|"
           "(" H4 ":){1,2}(:" H4 "){1,5}|"
           H4 ":((:" H4 "){1,6})|"
           ":((:" H4 "){1,7}|:)|"
           "fe80:(:[0-9a-fA-F]{0,4}){0,4}%[0-9a-zA-Z]{1,}|"
           "::(ffff(:0{1,4}){0,1}:){0,1}(" V4OCT "\\.){3,3}" V4OCT "|"
           "(" H4 ":){1,4}:(" V4OCT "\\.){3,3}" V4OCT "\\b"
           ")(?![0-9a-zA-Z])"
           "|(\\b(" V4OCT "\\.){3,3}" V4OCT "\\b)"},
    {"traceparent", "(\\b00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]\\b)|(\\b1-[0-9a-f]{8}-[0-9a-f]{24}\\b)"},
    {"uuid", "\\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\\b"},
    {"sha1", "\\b[0-9a-fA-F]{40}\\b"},
    {"md5", "\\b[0-9a-fA-F]{32}\\b"},
    {"date",
     /* RFC822, RFC1123, RFC1123Z */
     "(" DAY ",\\s\\d{1,2}\\s" MON "\\s\\d{2,4}\\s\\d{1,2}:\\d{1,2}(:\\d{1,2})?\\s([-\\+][\\d]{2}[0-5][\\d]|" TZ "))"
     /* "Mon Jan 02, 1999", "Jan 02, 1999" */
     "|((" DAY "\\s)?" MON "\\s[0-3]\\d,\\s\\d{2,4})"
     /* RFC850 */
     "|((?:Sun|Sunday|Mon|Monday|Tue|Tuesday|Wed|Wednesday|Thu|Thursday|Fri|Friday|Sat|Saturday),"
     "\\s\\d{2}-" MON "-\\d{2}\\s\\d{2}:\\d{2}:\\d{2}\\s" TZ ")"
     /* RFC3339(Nano) */
     "|(\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?Z?([+-]?\\d{2}:\\d{2})?)"
     /* JavaScript Date.toString() */
     "|(" DAY "\\s" MON "\\s\\d{2}\\s\\d{4}\\s\\d{2}:\\d{2}:\\d{2}\\sGMT[+-]\\d{4}(?:\\s\\([^)]+\\))?)"
     /* datetime with offset */
     "|((\\d{4}-?[01]\\d-?[0-3]\\d[\\sT][0-2]\\d:?[0-5]\\d:?[0-5]\\d\\.\\d+([+-][0-2]\\d:?[0-5]\\d|Z))"
     "|(\\d{4}-?[01]\\d-?[0-3]\\d[\\sT][0-2]\\d:?[0-5]\\d:?[0-5]\\d([+-][0-2]\\d:?[0-5]\\d|Z))"
     "|(\\d{4}-?[01]\\d-?[0-3]\\d[\\sT][0-2]\\d:?[0-5]\\d([+-][0-2]\\d:?[0-5]\\d|Z)))"
     /* datetime */
     "|((\\d{4}-?[01]\\d-?[0-3]\\d[\\sT][0-2]\\d:?[0-5]\\d:?[0-5]\\d\\.\\d+)"
     "|(\\d{4}-?[01]\\d-?[0-3]\\d[\\sT][0-2]\\d:?[0-5]\\d:?[0-5]\\d)"
     "|(\\d{4}-?[01]\\d-?[0-3]\\d[\\sT][0-2]\\d:?[0-5]\\d))"
     /* kitchen 12h, 24h */
     "|((?<!\\d)([1-9]|1[0-2]):[0-5]\\d(:[0-5]\\d)?(?![\\d:])(?:\\s?[aApP][Mm])?)"
     "|((?<!\\d)(0?\\d|1\\d|2[0-3]):[0-5]\\d(:[0-5]\\d)?(?![\\d:]))"
     /* date, time */
     "|(\\d{4}-[01]\\d-[0-3]\\d)"
     "|([0-2]\\d:[0-5]\\d:[0-5]\\d)"
     /* older formats */
     "|(\\b(?:(Sun|Mon|Tue|Wed|Thu|Fri|Sat)\\s+)?(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\\s+"
     "([\\d]{1,2})\\s+([\\d]{2}:[\\d]{2}:[\\d]{2})\\s+[\\d]{4})"
     "|(\\b(?:(Sun|Mon|Tue|Wed|Thu|Fri|Sat),\\s+)?(0[1-9]|[1-2]?[\\d]|3[01])\\s+"
     "(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\\s+(19[\\d]{2}|[2-9][\\d]{3})\\s+"
     "(2[0-3]|[0-1][\\d]):([0-5][\\d])(?::(60|[0-5][\\d]))?\\s+([-\\+][\\d]{2}[0-5][\\d]|" TZ "))"
     "|(datetime.datetime\\(.*?\\))"},
    {"duration", "\\b(\\d+ms)|(\\d+(\\.\\d+)?s)\\b"},
    {"swift_txn_id", "(\\btx[0-9a-f]{21}-[0-9a-f]{10}\\S*)"},
    {"hex", "(\\b0[xX][0-9a-fA-F]+\\b)|(\\b|(?<!\\w)-)("
            "(?=[a-f]*[0-9])(?=[0-9]*[a-f])[0-9a-f]{4,6}|"
            "(?=[A-F]*[0-9])(?=[0-9]*[A-F])[0-9A-F]{4,6}|"
            "[0-9a-f]{8,128}|[0-9A-F]{8,128})\\b"},
    {"git_sha", "(\\b(?=[a-f]*[0-9])(?=[0-9]*[a-f])[0-9a-f]{7}\\b)"},
    {"float", "-\\d+\\.\\d+\\b|\\b\\d+\\.\\d+\\b"},
    {"int", "(\\b|(?<!\\w)-)\\d{1,7}\\b"},
    {"quoted_str", "(?<==)(?P<quoted_str>'([^']+)'|\"([^\"]+)\")"},
    {"bool", "(?<==)(?P<bool>True|true|False|false)"},
};
#define N_PATTERNS (sizeof patterns / sizeof patterns[0])

/* ---------------- prefilter: only the alternatives that can match at all ----------------
 *
 * Running all 17 alternatives at every position is most of the cost of parameterising a short
 * exception value. For an ASCII subject, each alternative has a necessary condition on the
 * whole subject (an '@' for an email, "://" for a URL, a digit for an int, ...). Alternatives
 * whose condition fails cannot match anywhere, so dropping them from the combined expression
 * leaves every match (leftmost first, same alternative order) exactly as it was. The reduced
 * expression is compiled once per subset and cached. Non-ASCII subjects (Unicode digits and
 * spaces under UCP) always use the full expression. */

enum {
    P_AT = 1 << 0,     /* '@' */
    P_URL = 1 << 1,    /* "://" */
    P_DOT = 1 << 2,    /* '.' */
    P_COLON = 1 << 3,  /* ':' */
    P_DASH = 1 << 4,   /* '-' */
    P_DIGIT = 1 << 5,  /* an ASCII digit */
    P_HEX4 = 1 << 6,   /* a run of >= 4 hex digits */
    P_HEX32 = 1 << 7,  /* a run of >= 32 hex digits */
    P_HEX40 = 1 << 8,  /* a run of >= 40 hex digits */
    P_EQ = 1 << 9,     /* '=' */
    P_COMMA = 1 << 10, /* ',' */
    P_DIG8 = 1 << 11,  /* a run of >= 8 digits */
    P_TX = 1 << 12,    /* "tx" */
};

/* Can alternative i match somewhere in a subject with these properties? */
static bool alt_possible(size_t i, unsigned f)
{
    const char *n = patterns[i].name;
    if (!strcmp(n, "email")) return f & P_AT;
    if (!strcmp(n, "url")) return f & P_URL;
    if (!strcmp(n, "hostname")) return f & P_DOT;
    if (!strcmp(n, "ip")) return f & (P_COLON | P_DOT);
    if (!strcmp(n, "traceparent")) return (f & P_DASH) && (f & P_DIGIT);
    if (!strcmp(n, "uuid")) return (f & P_DASH) && (f & P_HEX4);
    if (!strcmp(n, "sha1")) return f & P_HEX40;
    if (!strcmp(n, "md5")) return f & P_HEX32;
    /* every date form has a digit and a ':', '-' or ',' literal, or 8 digits in a row
     * (20240131T1200Z); "datetime.datetime(...)" needs a '.' */
    if (!strcmp(n, "date"))
        return (f & P_DOT) || ((f & P_DIGIT) && (f & (P_COLON | P_DASH | P_COMMA | P_DIG8)));
    if (!strcmp(n, "duration") || !strcmp(n, "git_sha") || !strcmp(n, "int")) return f & P_DIGIT;
    if (!strcmp(n, "swift_txn_id")) return (f & P_TX) && (f & P_DASH);
    if (!strcmp(n, "hex")) return f & (P_DIGIT | P_HEX4);
    if (!strcmp(n, "float")) return (f & P_DOT) && (f & P_DIGIT);
    if (!strcmp(n, "quoted_str") || !strcmp(n, "bool")) return f & P_EQ;
    return true;
}

/* Properties of the subject; -1 when it is not pure ASCII. */
static int subject_flags(const char *s, size_t len)
{
    unsigned f = 0;
    size_t hexrun = 0, digrun = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x80)
            return -1;
        bool dig = c >= '0' && c <= '9';
        bool hex = dig || ((c | 0x20) >= 'a' && (c | 0x20) <= 'f');
        hexrun = hex ? hexrun + 1 : 0;
        digrun = dig ? digrun + 1 : 0;
        if (dig) f |= P_DIGIT;
        if (hexrun >= 4) f |= P_HEX4;
        if (hexrun >= 32) f |= P_HEX32;
        if (hexrun >= 40) f |= P_HEX40;
        if (digrun >= 8) f |= P_DIG8;
        switch (c) {
        case '@': f |= P_AT; break;
        case '.': f |= P_DOT; break;
        case '-': f |= P_DASH; break;
        case '=': f |= P_EQ; break;
        case ',': f |= P_COMMA; break;
        case ':':
            f |= P_COLON;
            if (i + 2 < len && s[i + 1] == '/' && s[i + 2] == '/')
                f |= P_URL;
            break;
        case 'x':
            if (i && s[i - 1] == 't')
                f |= P_TX;
            break;
        }
    }
    return (int)f;
}

struct param_re {
    uint32_t alts;                  /* bit i: alternative i is in the expression */
    pcre2_code *code;
    uint32_t group_of[N_PATTERNS];  /* capture group of each alternative's name, 0 if absent */
};

#define ALL_ALTS ((uint32_t)((1u << N_PATTERNS) - 1))
#define RE_CACHE 64 /* distinct subsets seen; in practice a dozen */

static struct param_re full;
static struct param_re cache[RE_CACHE];
static int n_cache;
static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t once = PTHREAD_ONCE_INIT;
static int init_failed;

static int compile_alts(uint32_t alts, struct param_re *out)
{
    struct buf re = BUF_INIT;
    bool first = true;
    for (size_t i = 0; i < N_PATTERNS; i++) {
        if (!(alts & (1u << i)))
            continue;
        if (!first)
            buf_putc(&re, '|');
        first = false;
        if (strstr(patterns[i].re, "(?P<")) /* pattern names its own group */
            buf_puts(&re, patterns[i].re);
        else
            buf_printf(&re, "(?P<%s>%s)", patterns[i].name, patterns[i].re);
    }
    int ec;
    PCRE2_SIZE eo;
    pcre2_code *code = pcre2_compile((PCRE2_SPTR)(re.data ? re.data : ""), re.len, PCRE2_UTF | PCRE2_UCP,
                                     &ec, &eo, NULL);
    buf_free(&re);
    if (!code)
        return -1;
    pcre2_jit_compile(code, PCRE2_JIT_COMPLETE);
    out->alts = alts;
    for (size_t i = 0; i < N_PATTERNS; i++) {
        int n = (alts & (1u << i)) ? pcre2_substring_number_from_name(code, (PCRE2_SPTR)patterns[i].name) : 0;
        out->group_of[i] = n > 0 ? (uint32_t)n : 0;
    }
    out->code = code;
    return 0;
}

static void compile_once(void)
{
    if (compile_alts(ALL_ALTS, &full) < 0)
        init_failed = 1;
}

/* The expression to run on this subject; NULL when no alternative can match. */
static const struct param_re *pick(const char *msg, size_t len)
{
    int f = subject_flags(msg, len);
    if (f < 0)
        return &full;
    uint32_t alts = 0;
    for (size_t i = 0; i < N_PATTERNS; i++)
        if (alt_possible(i, (unsigned)f))
            alts |= 1u << i;
    if (!alts)
        return NULL;
    if (alts == ALL_ALTS)
        return &full;
    const struct param_re *r = &full;
    pthread_mutex_lock(&cache_lock);
    int i = 0;
    while (i < n_cache && cache[i].alts != alts)
        i++;
    if (i < n_cache)
        r = &cache[i];
    else if (n_cache < RE_CACHE && compile_alts(alts, &cache[n_cache]) == 0)
        r = &cache[n_cache++];
    pthread_mutex_unlock(&cache_lock);
    return r;
}

int gparam_parameterize(const char *msg, size_t len, struct buf *out)
{
    pthread_once(&once, compile_once);
    if (init_failed)
        return -1;
    const struct param_re *re = pick(msg, len);
    if (!re) { /* nothing can match: the text stays as it is */
        buf_append(out, msg, len);
        if (!out->data)
            buf_reserve(out, 0);
        return 0;
    }
    pcre2_match_data *md = pcre2_match_data_create_from_pattern(re->code, NULL);
    if (!md)
        return -1;
    size_t pos = 0, last = 0;
    int rc = 0;
    while (pos <= len) {
        int r = pcre2_match(re->code, (PCRE2_SPTR)msg, len, pos, PCRE2_NO_UTF_CHECK, md, NULL);
        if (r < 0) {
            if (r != PCRE2_ERROR_NOMATCH)
                rc = -1;
            break;
        }
        PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
        size_t s = ov[0], e = ov[1];
        const char *name = "";
        for (size_t i = 0; i < N_PATTERNS; i++) {
            uint32_t g = re->group_of[i];
            if (g && (int)g < r && ov[2 * g] != PCRE2_UNSET) {
                name = patterns[i].name;
                break;
            }
        }
        buf_append(out, msg + last, s - last);
        buf_printf(out, "<%s>", name);
        last = e;
        if (e == s) { /* empty match: step one UTF-8 character */
            pos = e + 1;
            while (pos < len && ((unsigned char)msg[pos] & 0xC0) == 0x80)
                pos++;
        } else {
            pos = e;
        }
    }
    if (last < len)
        buf_append(out, msg + last, len - last);
    if (!out->data)
        buf_reserve(out, 0);
    pcre2_match_data_free(md);
    return rc;
}

/* Length of a line separator at p as Python's str.splitlines sees it, 0 if none. */
static size_t line_sep(const char *p)
{
    unsigned char c = (unsigned char)p[0];
    if (c == '\r')
        return p[1] == '\n' ? 2 : 1;
    if (c == '\n' || c == '\v' || c == '\f' || c == 0x1c || c == 0x1d || c == 0x1e)
        return 1;
    if (c == 0xC2 && (unsigned char)p[1] == 0x85)
        return 2;
    if (c == 0xE2 && (unsigned char)p[1] == 0x80 &&
        ((unsigned char)p[2] == 0xA8 || (unsigned char)p[2] == 0xA9))
        return 3;
    return 0;
}

/* Length of a whitespace character at p (Python's str.isspace), 0 if none. */
size_t gparam_space_len(const char *p)
{
    unsigned char c = (unsigned char)p[0], c1 = (unsigned char)p[1], c2;
    if (c == ' ' || (c >= 0x09 && c <= 0x0d) || (c >= 0x1c && c <= 0x1f))
        return 1;
    if (c == 0xC2 && (c1 == 0x85 || c1 == 0xA0))
        return 2;
    if (c == 0xE1 && c1 == 0x9A && (unsigned char)p[2] == 0x80)
        return 3;
    if (c == 0xE2 && c1 == 0x80) {
        c2 = (unsigned char)p[2];
        if ((c2 >= 0x80 && c2 <= 0x8A) || c2 == 0xA8 || c2 == 0xA9 || c2 == 0xAF)
            return 3;
    }
    if (c == 0xE2 && c1 == 0x81 && (unsigned char)p[2] == 0x9F)
        return 3;
    if (c == 0xE3 && c1 == 0x80 && (unsigned char)p[2] == 0x80)
        return 3;
    return 0;
}

static bool blank(const char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        size_t k = gparam_space_len(s + i);
        if (!k)
            return false;
        i += k;
    }
    return true;
}

int gparam_normalize(const char *msg, struct buf *out)
{
    size_t len = strlen(msg);
    struct buf trimmed = BUF_INIT;
    int kept = 0;
    const char *p = msg, *end = msg + len;
    while (p < end && kept < 2) {
        const char *q = p;
        size_t sep = 0;
        while (q < end && !(sep = line_sep(q)))
            q++;
        if (!blank(p, (size_t)(q - p))) {
            if (kept++)
                buf_putc(&trimmed, '\n');
            buf_append(&trimmed, p, (size_t)(q - p));
        }
        p = q + sep;
    }
    bool changed = trimmed.len != len || (len && memcmp(trimmed.data, msg, len) != 0);
    if (changed)
        buf_puts(&trimmed, "...");
    int rc = gparam_parameterize(trimmed.data ? trimmed.data : "", trimmed.len, out);
    buf_free(&trimmed);
    return rc;
}
