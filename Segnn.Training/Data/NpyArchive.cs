using System.Buffers.Binary;
using System.Globalization;
using System.IO.Compression;
using System.Text;
using System.Text.RegularExpressions;

namespace Segnn.Data;

/// <summary>One array read from a NumPy <c>.npy</c> payload: shape and values widened to double (or long for integers).</summary>
public sealed record NpyArray(string Name, long[] Shape, string DType, double[] Values, long[]? Integers)
{
    public long Count => Shape.Aggregate(1L, (a, b) => a * b);
}

/// <summary>
/// Reads NumPy <c>.npz</c> archives (a zip of <c>.npy</c> files): little-endian float64/float32/int64/int32/bool, C order.
/// Enough for reference fixtures; anything else is refused with the array's name.
/// </summary>
public static partial class NpyArchive
{
    public static Dictionary<string, NpyArray> Read(string path)
    {
        using ZipArchive zip = ZipFile.OpenRead(path);
        var result = new Dictionary<string, NpyArray>(StringComparer.Ordinal);
        foreach (ZipArchiveEntry entry in zip.Entries)
        {
            if (!entry.FullName.EndsWith(".npy", StringComparison.Ordinal)) continue;
            string name = entry.FullName[..^4];
            using Stream s = entry.Open();
            using var ms = new MemoryStream();
            s.CopyTo(ms);
            result[name] = Parse(name, ms.ToArray());
        }
        return result;
    }

    public static NpyArray Parse(string name, byte[] bytes)
    {
        if (bytes.Length < 10 || bytes[0] != 0x93 || Encoding.ASCII.GetString(bytes, 1, 5) != "NUMPY")
            throw new InvalidDataException($"{name}: not a .npy payload");
        int major = bytes[6];
        int headerLength = major == 1 ? BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(8)) : (int)BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(8));
        int headerStart = major == 1 ? 10 : 12;
        string header = Encoding.ASCII.GetString(bytes, headerStart, headerLength);
        string descr = DescrPattern().Match(header) is { Success: true } d ? d.Groups[1].Value : throw new InvalidDataException($"{name}: no descr in header");
        if (header.Contains("'fortran_order': True", StringComparison.Ordinal)) throw new InvalidDataException($"{name}: Fortran order is not supported");
        Match shapeMatch = ShapePattern().Match(header);
        if (!shapeMatch.Success) throw new InvalidDataException($"{name}: no shape in header");
        long[] shape = shapeMatch.Groups[1].Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(v => long.Parse(v, CultureInfo.InvariantCulture)).ToArray();
        long count = shape.Aggregate(1L, (a, b) => a * b);
        ReadOnlySpan<byte> data = bytes.AsSpan(headerStart + headerLength);
        var values = new double[count];
        long[]? integers = null;
        switch (descr)
        {
            case "<f8":
                for (int i = 0; i < count; i++) values[i] = BinaryPrimitives.ReadDoubleLittleEndian(data[(8 * i)..]);
                break;
            case "<f4":
                for (int i = 0; i < count; i++) values[i] = BinaryPrimitives.ReadSingleLittleEndian(data[(4 * i)..]);
                break;
            case "<i8":
                integers = new long[count];
                for (int i = 0; i < count; i++) values[i] = integers[i] = BinaryPrimitives.ReadInt64LittleEndian(data[(8 * i)..]);
                break;
            case "<i4":
                integers = new long[count];
                for (int i = 0; i < count; i++) values[i] = integers[i] = BinaryPrimitives.ReadInt32LittleEndian(data[(4 * i)..]);
                break;
            case "|b1":
                integers = new long[count];
                for (int i = 0; i < count; i++) values[i] = integers[i] = data[i];
                break;
            default:
                throw new InvalidDataException($"{name}: dtype {descr} is not supported");
        }
        return new NpyArray(name, shape, descr, values, integers);
    }

    [GeneratedRegex(@"'descr':\s*'([^']+)'")]
    private static partial Regex DescrPattern();

    [GeneratedRegex(@"'shape':\s*\(([^)]*)\)")]
    private static partial Regex ShapePattern();
}
