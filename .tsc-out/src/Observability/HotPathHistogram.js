/**
 * An unlabelled histogram cheap enough to observe every upstream attempt: a scan of the bounds
 * and three additions (about 15 ns). prom-client's Histogram.observe takes about 200 ns, as it
 * hashes its labels and turns the bucket's bound into a property name on every call. The registry
 * still writes the exposition: it reads this histogram through `get()`, in the shape its own
 * histograms give (a test holds the two outputs equal).
 */
export class HotPathHistogram {
    name;
    help;
    bounds;
    type = "histogram";
    aggregator = "sum";
    /** Observations per bucket, not cumulative; the last slot is the +Inf bucket. */
    perBucket;
    sum = 0;
    count = 0;
    constructor(name, help, bounds) {
        this.name = name;
        this.help = help;
        this.bounds = bounds;
        this.perBucket = new Float64Array(bounds.length + 1);
    }
    observe(value) {
        let bucket = 0;
        while (bucket < this.bounds.length && value > this.bounds[bucket])
            bucket++;
        this.perBucket[bucket] += 1;
        this.sum += value;
        this.count += 1;
    }
    get() {
        const values = [];
        let cumulative = 0;
        this.bounds.forEach((bound, bucket) => {
            cumulative += this.perBucket[bucket];
            values.push({ labels: { le: bound }, value: cumulative, metricName: `${this.name}_bucket` });
        });
        values.push({ labels: { le: "+Inf" }, value: this.count, metricName: `${this.name}_bucket` }, { labels: {}, value: this.sum, metricName: `${this.name}_sum` }, { labels: {}, value: this.count, metricName: `${this.name}_count` });
        return Promise.resolve({ name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values });
    }
    reset() {
        this.perBucket.fill(0);
        this.sum = 0;
        this.count = 0;
    }
    /** prom-client's registry takes any metric of this shape, though its typings name only its own classes. */
    registerIn(registry) {
        registry.registerMetric(this);
        return this;
    }
}
