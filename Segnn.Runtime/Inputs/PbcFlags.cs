namespace Segnn.Runtime.Inputs;

/// <summary>The <c>pbc=</c> value of extended XYZ: periodic or not along each lattice vector.</summary>
internal static class PbcFlags
{
    /// <summary>
    /// Reads 3 flags, or 1 for all three axes, separated by blanks or commas (as ASE splits them). A flag is T, True,
    /// true, TRUE or 1, or F, False, false, FALSE or 0.
    /// </summary>
    public static bool TryParse(string text, Span<bool> pbc, out string? problem)
    {
        Span<bool> flags = stackalloc bool[3];
        int count = 0;
        var span = text.AsSpan();
        foreach (var range in span.SplitAny(" \t,"))
        {
            var token = span[range];
            if (token.IsEmpty)
                continue;
            if (count == 3)
            {
                problem = "expected 3 flags (one per lattice vector) or 1 (for all three), found more than 3";
                return false;
            }

            if (token is "T" or "True" or "true" or "TRUE" or "1")
            {
                flags[count++] = true;
            }
            else if (token is "F" or "False" or "false" or "FALSE" or "0")
            {
                flags[count++] = false;
            }
            else
            {
                problem = $"'{token}' is not a periodicity flag (T or F; True, False, 1 and 0 are accepted too)";
                return false;
            }
        }

        if (count is not (1 or 3))
        {
            problem = $"expected 3 flags (one per lattice vector) or 1 (for all three), found {count}";
            return false;
        }

        for (int k = 0; k < 3; k++)
            pbc[k] = flags[count == 1 ? 0 : k];
        problem = null;
        return true;
    }
}
