/* UTF-8 validation shared by the JSON scanner and the rule parsers. */
#ifndef FAULTLINE_UTIL_UTF8_H
#define FAULTLINE_UTIL_UTF8_H

/* Length (1-4) of the UTF-8 sequence starting at p, before end; 0 when the bytes there are not
 * UTF-8 (bad lead or continuation byte, overlong form, surrogate, past U+10FFFF); -1 when a valid
 * lead byte's sequence is cut off by end. */
static inline int utf8_seq_len(const unsigned char *p, const unsigned char *end)
{
    unsigned c = p[0], cp;
    int len;
    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf)
        len = 2, cp = c & 0x1f;
    else if (c >= 0xe0 && c <= 0xef)
        len = 3, cp = c & 0x0f;
    else if (c >= 0xf0 && c <= 0xf4)
        len = 4, cp = c & 0x07;
    else
        return 0;
    if (end - p < len)
        return -1;
    for (int i = 1; i < len; i++) {
        if ((p[i] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (p[i] & 0x3f);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
        (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return len;
}

#endif
