namespace Segnn.Runtime.Inputs;

/// <summary>A charged particle system for N-body models: row-major [n, 3] positions and velocities, one charge per particle.</summary>
/// <param name="Name">Names the system in error messages and outputs.</param>
/// <param name="Positions">Row-major [n, 3] positions (simulation units).</param>
/// <param name="Velocities">Row-major [n, 3] velocities.</param>
/// <param name="Charges">One charge per particle.</param>
public sealed record ParticleSystem(string Name, double[] Positions, double[] Velocities, double[] Charges)
{
    /// <summary>The number of particles.</summary>
    public int ParticleCount => Charges?.Length ?? 0;

    /// <summary>Checks that the system can be used: particles present, matching lengths, finite values.</summary>
    /// <exception cref="SegnnInputException">The system is invalid; the message names it and the problem.</exception>
    public void Validate()
    {
        string name = string.IsNullOrWhiteSpace(Name) ? "(unnamed system)" : Name;
        if (Positions is null || Velocities is null || Charges is null)
            throw new SegnnInputException(name, "positions, velocities and charges are all required");
        int n = Charges.Length;
        if (n == 0) throw new SegnnInputException(name, "has no particles");
        if (Positions.Length != 3 * n)
            throw new SegnnInputException(name, $"has {n} charges but {Positions.Length} position values (expected {3 * n})");
        if (Velocities.Length != 3 * n)
            throw new SegnnInputException(name, $"has {n} charges but {Velocities.Length} velocity values (expected {3 * n})");
        CheckFinite(name, Positions, "position");
        CheckFinite(name, Velocities, "velocity");
        for (int i = 0; i < n; i++)
            if (!double.IsFinite(Charges[i])) throw new SegnnInputException(name, $"particle {i} has a non-finite charge ({Charges[i]})");
    }

    private static void CheckFinite(string name, double[] values, string what)
    {
        for (int k = 0; k < values.Length; k++)
            if (!double.IsFinite(values[k]))
                throw new SegnnInputException(name, $"particle {k / 3} has a non-finite {what} {"xyz"[k % 3]} ({values[k]})");
    }
}
