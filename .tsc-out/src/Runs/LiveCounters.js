// Values are int32, so a plain number stays exact while it is below 2^53 - 2^31: add there and
// move the total into the bigint only now and then, instead of allocating a bigint per success.
const FLUSH_AT = 2 ** 52;
/** A run's counters while it executes: plain fields, updated from one JS thread, read by GET. */
export class LiveCounters {
    successfulResponsesCount;
    exactSum;
    recentSum = 0;
    constructor(successfulResponsesCount, sum) {
        this.successfulResponsesCount = successfulResponsesCount;
        this.exactSum = sum;
    }
    add(value) {
        this.successfulResponsesCount += 1;
        this.recentSum += value;
        if (this.recentSum > FLUSH_AT || this.recentSum < -FLUSH_AT) {
            this.exactSum += BigInt(this.recentSum);
            this.recentSum = 0;
        }
    }
    get sum() {
        return this.exactSum + BigInt(this.recentSum);
    }
    snapshot() {
        return { successfulResponsesCount: this.successfulResponsesCount, sum: this.sum };
    }
}
