using System.Globalization;

namespace Segnn.Runtime.Inputs;

/// <summary>Number parsing for XYZ files: invariant culture, and Mathematica's <c>1.2345*^-6</c> as QM9 writes it.</summary>
internal static class XyzNumbers
{
    public static bool TryParseDouble(ReadOnlySpan<char> text, out double value)
    {
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value))
            return true;
        int star = text.IndexOf("*^", StringComparison.Ordinal);
        if (star < 0 || text.Length > 128)
            return false;
        // Rewrite "m*^e" as "mEe" in a scratch buffer; the rest of the text must still be a plain number.
        Span<char> scratch = stackalloc char[text.Length - 1];
        text[..star].CopyTo(scratch);
        scratch[star] = 'e';
        text[(star + 2)..].CopyTo(scratch[(star + 1)..]);
        return double.TryParse(scratch, NumberStyles.Float, CultureInfo.InvariantCulture, out value);
    }

    public static bool TryParseInt64(ReadOnlySpan<char> text, out long value) =>
        long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value);

    /// <summary>The text with a Mathematica exponent rewritten, so that any invariant parser reads it.</summary>
    public static string Normalize(ReadOnlySpan<char> text) =>
        text.Contains("*^", StringComparison.Ordinal) ? text.ToString().Replace("*^", "e", StringComparison.Ordinal) : text.ToString();
}
