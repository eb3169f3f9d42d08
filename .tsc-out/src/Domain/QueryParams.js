import { ParseResult, Schema } from "effect";
/**
 * A number in a query string, checked as text first so that "", "0x10" or "1e3" are refused
 * instead of becoming numbers. One message says what is expected, whatever was wrong.
 */
export const numberParam = (options) => {
    const text = options.whole ? /^\d{1,15}$/ : /^\d{1,15}(?:\.\d{1,9})?$/;
    return Schema.transformOrFail(Schema.String, Schema.Number, {
        strict: true,
        decode: (raw, _, ast) => {
            const value = Number(raw);
            return text.test(raw) && value >= options.min && value <= options.max
                ? ParseResult.succeed(value)
                : ParseResult.fail(new ParseResult.Type(ast, raw, `${options.name} must be ${options.rule}, got ${JSON.stringify(raw)}`));
        },
        // Rounded to milliseconds so that a fraction is never written as "1e-7".
        encode: (value) => ParseResult.succeed(String(options.whole ? Math.round(value) : Math.round(value * 1000) / 1000))
    }).annotations({ description: `${options.name}: ${options.rule}` });
};
