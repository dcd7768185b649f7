/* The numbers of a tokenized program, read in one pass per number (gcode_reader/numbers.py).
 *
 * Why C: the numpy reading takes ~15 whole-array passes, one per character column, and on a
 * slicer's program of 20k lines that is a third of the time `prepare` spends after PrusaSlicer
 * (issue 15.3). The rules are numbers.py's, character for character: a number starts at its
 * index and ends at the first character that is not a digit, '.', '-' or '+'; a sign only
 * first, one dot, one digit at least; a mantissa of at most 15 digits over a power of ten up to
 * 1e16 is exact in doubles, so the quotient is the correctly rounded value, bit for bit what
 * Python's float() reads. Longer numbers are handed back to Python (float() itself).
 */

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>

#define MAX_DIGITS 15
#define COLUMNS 16

static const double POW10[COLUMNS + 1] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8,
                                          1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16};

static inline int number_char(int c) { return (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '+'; }

/* One number at `start` of `a` (n characters; beyond them, spaces). Returns 0 and sets *value,
 * 1 when Python must read it (long), -1 when it is not a number. */
static int one_number(const uint8_t *a, Py_ssize_t n, Py_ssize_t start, double *value)
{
    Py_ssize_t pos = start;
    int first = start < n ? a[start] : ' ';
    int negative = first == '-';
    if (first == '-' || first == '+')
        pos++;
    int64_t mantissa = 0;
    int digits = 0, decimals = 0, dots = 0, sign_inside = 0, column;
    for (column = 0; column < COLUMNS; column++, pos++) {
        int c = pos < n ? a[pos] : ' ';
        if (c >= '0' && c <= '9') {
            mantissa = mantissa * 10 + (c - '0');
            digits++;
            decimals += dots > 0;
        } else if (c == '.') {
            dots++;
        } else if (c == '-' || c == '+') {
            sign_inside = 1;
        } else {
            break;
        }
    }
    if ((column == COLUMNS && pos < n && number_char(a[pos])) || digits > MAX_DIGITS)
        return 1; /* goes on past the columns, or too many digits: float() reads it */
    if (sign_inside || dots > 1 || digits == 0)
        return -1;
    double v = (double)mantissa / POW10[decimals];
    *value = negative ? -v : v;
    return 0;
}

/* numbers_at(chars, starts, values, long_at) -> count of long numbers (their positions in
 * `starts` written to long_at), or -1 when one is not a number. */
static PyObject *numbers_at(PyObject *self, PyObject *args)
{
    Py_buffer a, starts, values, long_at;
    if (!PyArg_ParseTuple(args, "y*y*w*w*", &a, &starts, &values, &long_at))
        return NULL;
    Py_ssize_t k = starts.len / (Py_ssize_t)sizeof(int64_t);
    Py_ssize_t found = 0;
    if (values.len < k * (Py_ssize_t)sizeof(double) || long_at.len < k * (Py_ssize_t)sizeof(int64_t)) {
        PyBuffer_Release(&a);
        PyBuffer_Release(&starts);
        PyBuffer_Release(&values);
        PyBuffer_Release(&long_at);
        PyErr_SetString(PyExc_ValueError, "output buffers too small");
        return NULL;
    }
    const uint8_t *chars = a.buf;
    const int64_t *at = starts.buf;
    double *out = values.buf;
    int64_t *longs = long_at.buf;
    Py_BEGIN_ALLOW_THREADS
    for (Py_ssize_t i = 0; i < k; i++) {
        if (at[i] < 0) {
            found = -1;
            break;
        }
        int r = one_number(chars, a.len, (Py_ssize_t)at[i], &out[i]);
        if (r < 0) {
            found = -1;
            break;
        }
        if (r > 0) {
            out[i] = 0.0;
            longs[found++] = i;
        }
    }
    Py_END_ALLOW_THREADS
    PyBuffer_Release(&a);
    PyBuffer_Release(&starts);
    PyBuffer_Release(&values);
    PyBuffer_Release(&long_at);
    return PyLong_FromSsize_t(found);
}

/* The words of a cleaned chunk (gcode_reader/tokens.py `_tokenize_chunk`, whose numpy passes
 * are the reference): one pass, line by line. Bytes are letters (A-Z), number characters
 * (digits . - +), blanks (space, tab, CR) or anything else; a number token starts at a number
 * character that follows none. A line is unreadable when it holds anything else, opens with a
 * number, has two letters or two numbers in a row, or ends on a letter; its words are dropped.
 * A readable line's words are `letter number` pairs, their numbers read by one_number.
 *
 * scan_words(chars, line, letter, value, long_at, sent, bad) -> (words, bad lines, long
 * numbers), or None when a readable line holds a number that is not one ('1.2.3', '-'): the
 * numpy passes read those. `long_at`: indices of words whose number float() must read (their
 * byte position in value[k], as a double: exact below 2**53). `sent`: one entry per line of
 * the chunk (newlines + 1): its bytes plus the newline, 0 for an empty line. */
static inline int is_letter(int c) { return c >= 'A' && c <= 'Z'; }
static inline int is_blank(int c) { return c == ' ' || c == '\t' || c == '\r'; }

enum { OPEN, AFTER_LETTER, AFTER_NUMBER };

static PyObject *scan_words(PyObject *self, PyObject *args)
{
    Py_buffer a, line_out, letter_out, value_out, long_out, sent_out, bad_out;
    if (!PyArg_ParseTuple(args, "y*w*w*w*w*w*w*", &a, &line_out, &letter_out, &value_out, &long_out, &sent_out,
                          &bad_out))
        return NULL;
    const uint8_t *c = a.buf;
    const Py_ssize_t n = a.len;
    Py_ssize_t lines = 1;
    for (Py_ssize_t i = 0; i < n; i++)
        lines += c[i] == '\n';
    Py_ssize_t cap = n / 2 + 1; /* a word takes two bytes at least */
    int too_small = line_out.len < cap * (Py_ssize_t)sizeof(int64_t) || letter_out.len < cap ||
                    value_out.len < cap * (Py_ssize_t)sizeof(double) || long_out.len < cap * (Py_ssize_t)sizeof(int64_t) ||
                    sent_out.len < lines * (Py_ssize_t)sizeof(int64_t) || bad_out.len < lines * (Py_ssize_t)sizeof(int64_t);
    int64_t *word_line = line_out.buf, *longs = long_out.buf, *sent = sent_out.buf, *bad = bad_out.buf;
    uint8_t *letter = letter_out.buf;
    double *value = value_out.buf;
    Py_ssize_t words = 0, n_bad = 0, n_long = 0;
    int malformed = 0;
    if (!too_small) {
        Py_BEGIN_ALLOW_THREADS
        Py_ssize_t start = 0;
        for (Py_ssize_t ln = 0; ln < lines && !malformed; ln++) {
            Py_ssize_t end = start;
            while (end < n && c[end] != '\n')
                end++;
            sent[ln] = end > start ? end - start + 1 : 0;
            Py_ssize_t first_word = words;
            int state = OPEN, unreadable = 0, in_number = 0;
            for (Py_ssize_t i = start; i < end; i++) {
                int ch = c[i];
                if (number_char(ch)) {
                    if (!in_number) {
                        if (state != AFTER_LETTER)
                            unreadable = 1;
                        else if (!unreadable)
                            value[words - 1] = (double)i; /* where its number starts, read below */
                        state = AFTER_NUMBER;
                    }
                    in_number = 1;
                    continue;
                }
                in_number = 0;
                if (is_letter(ch)) {
                    if (state == AFTER_LETTER)
                        unreadable = 1;
                    else if (!unreadable) {
                        word_line[words] = ln;
                        letter[words++] = (uint8_t)ch;
                    }
                    state = AFTER_LETTER;
                } else if (!is_blank(ch)) {
                    unreadable = 1;
                }
            }
            if (state == AFTER_LETTER)
                unreadable = 1;
            if (unreadable) {
                words = first_word;
                bad[n_bad++] = ln;
            } else {
                for (Py_ssize_t w = first_word; w < words; w++) {
                    Py_ssize_t at = (Py_ssize_t)value[w];
                    int r = one_number(c, n, at, &value[w]);
                    if (r < 0) {
                        malformed = 1;
                        break;
                    }
                    if (r > 0) {
                        value[w] = (double)at;
                        longs[n_long++] = w;
                    }
                }
            }
            start = end + 1;
        }
        Py_END_ALLOW_THREADS
    }
    PyBuffer_Release(&a);
    PyBuffer_Release(&line_out);
    PyBuffer_Release(&letter_out);
    PyBuffer_Release(&value_out);
    PyBuffer_Release(&long_out);
    PyBuffer_Release(&sent_out);
    PyBuffer_Release(&bad_out);
    if (too_small) {
        PyErr_SetString(PyExc_ValueError, "output buffers too small");
        return NULL;
    }
    if (malformed)
        Py_RETURN_NONE;
    return Py_BuildValue("nnn", words, n_bad, n_long);
}

static PyMethodDef methods[] = {
    {"numbers_at", numbers_at, METH_VARARGS, "The numbers starting at each index (see gcode_reader/numbers.py)."},
    {"scan_words", scan_words, METH_VARARGS, "The words of a cleaned chunk (see gcode_reader/tokens.py)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_numbers", NULL, -1, methods};

PyMODINIT_FUNC PyInit__numbers(void) { return PyModule_Create(&module); }
