/**
 * JSON with integers beyond 2^53: `JSON.stringify` cannot write a bigint and `JSON.parse` rounds
 * a long number, so the run's `sum` travels as raw digits and is rewritten around the standard
 * functions. The marker cannot occur in our own output: JSON.stringify escapes U+0000.
 */
const MARKER = "\u0000exact-integer:";
const MARKED = /"\\u0000exact-integer:(-?\d+)"/g;
export const stringifyExact = (value) => JSON.stringify(value, (_key, field) => (typeof field === "bigint" ? MARKER + field.toString() : field)).replace(MARKED, "$1");
/** Parses JSON, turning the named fields' integer values into digit strings before any rounding. */
export const parseExact = (text, fields) => {
    let quoted = text;
    for (const field of fields) {
        const pattern = new RegExp(`("${field}"\\s*:\\s*)(-?\\d+)(?=\\s*[,}\\]])`, "g");
        quoted = quoted.replace(pattern, '$1"$2"');
    }
    return JSON.parse(quoted);
};
