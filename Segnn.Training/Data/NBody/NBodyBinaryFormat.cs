using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;

namespace Segnn.Data.NBody;

/// <summary>
/// The split file (<c>train.bin</c>, <c>valid.bin</c>, <c>test.bin</c>), little-endian throughout:
/// a 64-byte header (magic <c>SEGNNBDY</c>, version, header size, split, T, frames, particles, dimensions, seed),
/// then positions float64 [T, 49, 5, 3], velocities float64 [T, 49, 5, 3], charges float64 [T, 5] and
/// flags uint8 [T] (bit 0: a force component was clipped). See README.md in this folder.
/// </summary>
internal static class NBodyBinaryFormat
{
    public const string FormatName = "segnn-nbody";
    public const int Version = 1;
    public const int HeaderBytes = 64;
    public static ReadOnlySpan<byte> Magic => "SEGNNBDY"u8;

    public static long FileBytes(int trajectories) =>
        HeaderBytes + 8L * (2L * trajectories * NBodyTrajectories.TrajectoryValues + (long)trajectories * NBodySimulator.Particles) + trajectories;

    /// <summary>Writes the split to <paramref name="stream"/> and returns the SHA-256 of everything written.</summary>
    public static byte[] Write(Stream stream, NBodyTrajectories data)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        void Put(ReadOnlySpan<byte> bytes)
        {
            stream.Write(bytes);
            hash.AppendData(bytes);
        }

        Span<byte> header = stackalloc byte[HeaderBytes];
        header.Clear();
        Magic.CopyTo(header);
        BinaryPrimitives.WriteUInt32LittleEndian(header[8..], Version);
        BinaryPrimitives.WriteUInt32LittleEndian(header[12..], HeaderBytes);
        BinaryPrimitives.WriteInt32LittleEndian(header[16..], (int)data.Split);
        BinaryPrimitives.WriteInt32LittleEndian(header[20..], data.Count);
        BinaryPrimitives.WriteInt32LittleEndian(header[24..], NBodySimulator.Frames);
        BinaryPrimitives.WriteInt32LittleEndian(header[28..], NBodySimulator.Particles);
        BinaryPrimitives.WriteInt32LittleEndian(header[32..], NBodySimulator.Dimensions);
        BinaryPrimitives.WriteInt64LittleEndian(header[40..], data.Seed);
        Put(header);
        PutDoubles(data.Positions, Put);
        PutDoubles(data.Velocities, Put);
        PutDoubles(data.Charges, Put);
        var flags = new byte[data.Count];
        for (int t = 0; t < flags.Length; t++)
            flags[t] = data.ForceClipped[t] ? (byte)1 : (byte)0;
        Put(flags);
        return hash.GetHashAndReset();
    }

    /// <summary>
    /// Reads and validates a split file against its manifest entry: magic, version, header fields, exact length, then
    /// the SHA-256 of the whole file. Every failure is an <see cref="InvalidDataException"/> naming the file.
    /// </summary>
    public static NBodyTrajectories Read(string path, NBodySplit split, NBodyManifest manifest, NBodyManifestFile entry)
    {
        string name = Path.GetFileName(path);
        if (!File.Exists(path))
            throw new FileNotFoundException($"{path}: the {SplitName(split)} split file listed in the manifest is missing", path);
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
        long length = stream.Length;
        if (length < HeaderBytes)
            throw new InvalidDataException($"{name}: truncated: {length} bytes is shorter than the {HeaderBytes}-byte header");
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

        Span<byte> header = stackalloc byte[HeaderBytes];
        stream.ReadExactly(header);
        hash.AppendData(header);
        if (!header[..8].SequenceEqual(Magic))
            throw new InvalidDataException($"{name}: not an N-body split file (magic is '{Printable(header[..8])}', expected 'SEGNNBDY')");
        uint version = BinaryPrimitives.ReadUInt32LittleEndian(header[8..]);
        if (version != Version)
            throw new InvalidDataException($"{name}: format version {version} is not supported (this build reads version {Version})");
        uint headerBytes = BinaryPrimitives.ReadUInt32LittleEndian(header[12..]);
        if (headerBytes != HeaderBytes)
            throw new InvalidDataException($"{name}: header size {headerBytes} bytes, expected {HeaderBytes}");
        int fileSplit = BinaryPrimitives.ReadInt32LittleEndian(header[16..]);
        int count = BinaryPrimitives.ReadInt32LittleEndian(header[20..]);
        int frames = BinaryPrimitives.ReadInt32LittleEndian(header[24..]);
        int particles = BinaryPrimitives.ReadInt32LittleEndian(header[28..]);
        int dimensions = BinaryPrimitives.ReadInt32LittleEndian(header[32..]);
        long seed = BinaryPrimitives.ReadInt64LittleEndian(header[40..]);
        if (fileSplit != (int)split)
            throw new InvalidDataException($"{name}: header says split {fileSplit}, expected {(int)split} ({SplitName(split)})");
        if (frames != NBodySimulator.Frames || particles != NBodySimulator.Particles || dimensions != NBodySimulator.Dimensions)
            throw new InvalidDataException($"{name}: shape [frames {frames}, particles {particles}, dims {dimensions}], expected [{NBodySimulator.Frames}, {NBodySimulator.Particles}, {NBodySimulator.Dimensions}]");
        if (count != entry.Trajectories)
            throw new InvalidDataException($"{name}: header says {count} trajectories, the manifest says {entry.Trajectories}");
        if (seed != manifest.Seed)
            throw new InvalidDataException($"{name}: header says seed {seed}, the manifest says {manifest.Seed}");
        long expected = FileBytes(count);
        if (length < expected)
            throw new InvalidDataException($"{name}: truncated: {length} bytes, expected {expected} for {count} trajectories");
        if (length > expected)
            throw new InvalidDataException($"{name}: {length - expected} unexpected trailing bytes (expected {expected} bytes for {count} trajectories)");
        if (length != entry.Bytes)
            throw new InvalidDataException($"{name}: {length} bytes, the manifest says {entry.Bytes}");

        var positions = new double[count * NBodyTrajectories.TrajectoryValues];
        var velocities = new double[count * NBodyTrajectories.TrajectoryValues];
        var charges = new double[count * NBodySimulator.Particles];
        var flags = new byte[count];
        ReadDoubles(stream, hash, positions);
        ReadDoubles(stream, hash, velocities);
        ReadDoubles(stream, hash, charges);
        stream.ReadExactly(flags);
        hash.AppendData(flags);
        string actual = Convert.ToHexStringLower(hash.GetHashAndReset());
        if (!string.Equals(actual, entry.Sha256, StringComparison.OrdinalIgnoreCase))
            throw new InvalidDataException($"{name}: SHA-256 {actual} does not match {entry.Sha256} recorded in manifest.json (the file is corrupted or was modified)");
        var clipped = new bool[count];
        for (int t = 0; t < count; t++)
        {
            if (flags[t] > 1)
                throw new InvalidDataException($"{name}: trajectory {t} has unknown flags 0x{flags[t]:x2}");
            clipped[t] = flags[t] == 1;
        }
        return new NBodyTrajectories(split, seed, positions, velocities, charges, clipped);
    }

    public static string SplitName(NBodySplit split) => split switch
    {
        NBodySplit.Train => "train",
        NBodySplit.Valid => "valid",
        NBodySplit.Test => "test",
        _ => throw new ArgumentOutOfRangeException(nameof(split), split, "unknown split"),
    };

    private delegate void ByteSink(ReadOnlySpan<byte> bytes);

    private static void PutDoubles(double[] values, ByteSink put)
    {
        if (BitConverter.IsLittleEndian)
        {
            put(MemoryMarshal.AsBytes(values.AsSpan()));
            return;
        }
        var buffer = new byte[8 * 8192];
        for (int start = 0; start < values.Length; start += 8192)
        {
            int n = Math.Min(8192, values.Length - start);
            for (int i = 0; i < n; i++)
                BinaryPrimitives.WriteDoubleLittleEndian(buffer.AsSpan(8 * i), values[start + i]);
            put(buffer.AsSpan(0, 8 * n));
        }
    }

    private static void ReadDoubles(Stream stream, IncrementalHash hash, double[] values)
    {
        Span<byte> bytes = MemoryMarshal.AsBytes(values.AsSpan());
        stream.ReadExactly(bytes);
        hash.AppendData(bytes);
        if (!BitConverter.IsLittleEndian)
        {
            Span<ulong> words = MemoryMarshal.Cast<double, ulong>(values.AsSpan());
            BinaryPrimitives.ReverseEndianness(words, words);
        }
    }

    private static string Printable(ReadOnlySpan<byte> bytes)
    {
        var sb = new StringBuilder();
        foreach (byte b in bytes)
            sb.Append(b is >= 0x20 and < 0x7f ? (char)b : '?');
        return sb.ToString();
    }
}
