import parsePrometheusTextFormat, {} from "parse-prometheus-text-format";
const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const valueOf = (text, where) => {
    if (text === undefined)
        throw new Error(`${where}: no value`);
    // As Prometheus reads them (Go's ParseFloat): NaN and Inf in any case, Inf optionally signed.
    if (/^nan$/i.test(text))
        return Number.NaN;
    if (/^[+]?inf(inity)?$/i.test(text))
        return Number.POSITIVE_INFINITY;
    if (/^-inf(inity)?$/i.test(text))
        return Number.NEGATIVE_INFINITY;
    if (!/^[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$/.test(text))
        throw new Error(`${where}: ${JSON.stringify(text)} is not a number`);
    return Number(text);
};
const sameLabels = (sample, labels) => {
    const own = sample.labels ?? {};
    return Object.keys(own).length === Object.keys(labels).length && Object.entries(labels).every(([k, v]) => own[k] === v);
};
/**
 * Parses the Prometheus text format with a real parser (which throws on a malformed line), then
 * holds it to the rules that parser leaves unchecked: every family typed and described, valid
 * names, numeric values, counters named *_total, histogram buckets cumulative up to +Inf = count.
 * (parse-prometheus-text-format is a port of the Prometheus Python client's parser.)
 */
export const parseExposition = (text) => {
    const families = parsePrometheusTextFormat(text);
    const seen = new Set();
    for (const family of families) {
        const where = family.name;
        if (!METRIC_NAME.test(family.name))
            throw new Error(`invalid metric name ${JSON.stringify(family.name)}`);
        if (seen.has(family.name))
            throw new Error(`${where}: family appears twice`);
        seen.add(family.name);
        if (family.type === "UNTYPED")
            throw new Error(`${where}: no # TYPE line`);
        if (family.help.trim() === "")
            throw new Error(`${where}: no # HELP text`);
        if (family.type === "COUNTER" && !family.name.endsWith("_total"))
            throw new Error(`${where}: a counter's name must end in _total`);
        for (const sample of family.metrics) {
            for (const label of Object.keys(sample.labels ?? {})) {
                if (!LABEL_NAME.test(label))
                    throw new Error(`${where}: invalid label name ${JSON.stringify(label)}`);
            }
            if (family.type === "HISTOGRAM") {
                // The parser folds a labelled histogram's series into one bucket map without _count and
                // _sum (its lines were still checked): only unlabelled histograms can be checked further.
                if (sample.count === undefined && sample.sum === undefined)
                    continue;
                const count = valueOf(sample.count, `${where}_count`);
                valueOf(sample.sum, `${where}_sum`);
                const buckets = Object.entries(sample.buckets ?? {})
                    .map(([le, value]) => [valueOf(le, `${where} le`), valueOf(value, `${where}_bucket`)])
                    .sort(([a], [b]) => a - b);
                if (buckets.at(-1)?.[0] !== Number.POSITIVE_INFINITY)
                    throw new Error(`${where}: no +Inf bucket`);
                buckets.forEach(([, value], i) => {
                    if (i > 0 && value < buckets[i - 1][1])
                        throw new Error(`${where}: buckets are not cumulative`);
                });
                if (buckets.at(-1)[1] !== count)
                    throw new Error(`${where}: the +Inf bucket differs from _count`);
            }
            else {
                const value = valueOf(sample.value, where);
                if (family.type === "COUNTER" && !(value >= 0))
                    throw new Error(`${where}: a counter is ${value}`);
            }
        }
    }
    const family = (name) => {
        const found = families.find((candidate) => candidate.name === name);
        if (found === undefined)
            throw new Error(`no metric ${name}`);
        return found;
    };
    const value = (name, labels = {}) => {
        const matches = family(name).metrics.filter((sample) => sameLabels(sample, labels));
        if (matches.length !== 1)
            throw new Error(`${name}${JSON.stringify(labels)}: ${matches.length} samples`);
        return valueOf(matches[0].value, name);
    };
    const total = (name, labels = {}) => family(name)
        .metrics.filter((sample) => Object.entries(labels).every(([k, v]) => sample.labels?.[k] === v))
        .reduce((sum, sample) => sum + valueOf(sample.value, name), 0);
    const labelValues = () => families.flatMap((f) => f.metrics.flatMap((sample) => Object.values(sample.labels ?? {})));
    return { families, family, value, total, labelValues };
};
/** A histogram's count and sum, and its buckets by upper bound. */
export const histogramOf = (exposition, name) => {
    const [sample] = exposition.family(name).metrics;
    if (sample === undefined)
        throw new Error(`${name}: no samples`);
    return {
        count: Number(sample.count),
        sum: Number(sample.sum),
        buckets: Object.fromEntries(Object.entries(sample.buckets ?? {}).map(([le, value]) => [le, Number(value)]))
    };
};
