package cloud.agora.protocol.resources;

import com.fasterxml.jackson.annotation.JsonIgnore;

/**
 * A resource vector: CPU in millicores, memory in MiB, storage in GiB.
 *
 * <p>Components are never negative. Vectors add and subtract componentwise; one vector
 * {@linkplain #fitsIn fits in} another when every component is at most the other's.
 */
public record Resources(long cpuMillis, long memoryMiB, long storageGiB) {

    public static final Resources NONE = new Resources(0, 0, 0);

    public Resources {
        if (cpuMillis < 0 || memoryMiB < 0 || storageGiB < 0) {
            throw new IllegalArgumentException("resources cannot be negative: " + cpuMillis + "m CPU, "
                    + memoryMiB + " MiB, " + storageGiB + " GiB");
        }
    }

    public Resources plus(Resources other) {
        return new Resources(Math.addExact(cpuMillis, other.cpuMillis), Math.addExact(memoryMiB, other.memoryMiB),
                Math.addExact(storageGiB, other.storageGiB));
    }

    /** The componentwise difference, floored at zero (capacity never goes negative). */
    public Resources minusFloored(Resources other) {
        return new Resources(Math.max(0, cpuMillis - other.cpuMillis), Math.max(0, memoryMiB - other.memoryMiB),
                Math.max(0, storageGiB - other.storageGiB));
    }

    /** The componentwise minimum. */
    public Resources min(Resources other) {
        return new Resources(Math.min(cpuMillis, other.cpuMillis), Math.min(memoryMiB, other.memoryMiB),
                Math.min(storageGiB, other.storageGiB));
    }

    public Resources times(int factor) {
        return new Resources(Math.multiplyExact(cpuMillis, factor), Math.multiplyExact(memoryMiB, factor),
                Math.multiplyExact(storageGiB, (long) factor));
    }

    /** True when every component is at most the other's. */
    public boolean fitsIn(Resources capacity) {
        return cpuMillis <= capacity.cpuMillis && memoryMiB <= capacity.memoryMiB && storageGiB <= capacity.storageGiB;
    }

    @JsonIgnore
    public boolean isNone() {
        return cpuMillis == 0 && memoryMiB == 0 && storageGiB == 0;
    }
}
