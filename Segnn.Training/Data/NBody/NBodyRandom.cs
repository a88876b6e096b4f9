namespace Segnn.Data.NBody;

/// <summary>
/// xoshiro256** (Blackman and Vigna, 2018) with one independent stream per (seed, split, trajectory), so a trajectory
/// depends on nothing but those three numbers: output is identical for any thread count or generation order, and the
/// first k trajectories of a split do not depend on how many are generated.
/// </summary>
/// <remarks>
/// Stream key: h = M(M(M(seed) + split) + index) with M the SplitMix64 step-and-finalise; the four state words are the
/// next four SplitMix64 outputs from h (never all zero, as SplitMix64 is a bijection of its counter).
/// Uniform doubles take the top 53 bits; Gaussians come from the Marsaglia polar method and, like numpy's legacy
/// generator, return f·x₂ first and cache f·x₁ for the next call.
/// </remarks>
internal struct NBodyRandom
{
    public const string Name = "xoshiro256** seeded by SplitMix64 over (seed, split, trajectory); uniforms from the top 53 bits; Marsaglia polar Gaussians";

    private const ulong Gamma = 0x9E3779B97F4A7C15UL;

    private ulong _s0;
    private ulong _s1;
    private ulong _s2;
    private ulong _s3;
    private double _cachedGaussian;
    private bool _hasCachedGaussian;

    public static NBodyRandom ForTrajectory(long seed, int split, int trajectory)
    {
        ulong h = Mix((ulong)seed);
        h = Mix(h + (ulong)(uint)split);
        h = Mix(h + (ulong)(uint)trajectory);
        var rng = new NBodyRandom();
        rng._s0 = SplitMix(ref h);
        rng._s1 = SplitMix(ref h);
        rng._s2 = SplitMix(ref h);
        rng._s3 = SplitMix(ref h);
        return rng;
    }

    public ulong NextUInt64()
    {
        ulong result = ulong.RotateLeft(_s1 * 5, 7) * 9;
        ulong t = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = ulong.RotateLeft(_s3, 45);
        return result;
    }

    /// <summary>Uniform on [0, 1) with 53 random bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Standard normal variate.</summary>
    public double NextGaussian()
    {
        if (_hasCachedGaussian)
        {
            _hasCachedGaussian = false;
            return _cachedGaussian;
        }
        double x1, x2, r2;
        do
        {
            x1 = 2.0 * NextDouble() - 1.0;
            x2 = 2.0 * NextDouble() - 1.0;
            r2 = x1 * x1 + x2 * x2;
        }
        while (r2 >= 1.0 || r2 == 0.0);
        double f = Math.Sqrt(-2.0 * Math.Log(r2) / r2);
        _cachedGaussian = f * x1;
        _hasCachedGaussian = true;
        return f * x2;
    }

    private static ulong SplitMix(ref ulong state)
    {
        state += Gamma;
        return Finalise(state);
    }

    private static ulong Mix(ulong z) => Finalise(z + Gamma);

    private static ulong Finalise(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
