using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using Segnn.Tests;

namespace Segnn.Runtime.Tests;

/// <summary>
/// tools/gpu-check/pack.sh and unpack.sh: the GPU check travels to the device machine in parts (≤ 64 MiB per call), one
/// folder per part, and unpack.sh runs after every call. Here the device is simulated: part folders arrive one at a
/// time, out of order, one of them corrupted on the way; the scripts must say what is missing, refuse a corrupt part,
/// and in the end extract a folder byte-identical to what was packed.
/// </summary>
[TestClass]
public sealed class GpuCheckTransferTests
{
    private const int PartBytes = 1024 * 1024;

    [TestMethod]
    public void PartsArrivingOneCallAtATimeReassembleByteIdentically()
    {
        string tools = RequireScripts();
        using var temp = new TempFolder();
        string source = Path.Combine(temp.Path, "published");
        WriteRandomTree(source, new Random(7));
        string parts = Path.Combine(temp.Path, "parts");

        var pack = Bash(tools, "pack.sh", "--src", source, "--out", parts, "--part-size", PartBytes.ToString(CultureInfo.InvariantCulture));
        Assert.AreEqual(0, pack.ExitCode, pack.Output);
        string[] folders = PartFolders(parts, "p");
        Assert.IsGreaterThanOrEqualTo(4, folders.Length, $"a ~4.5 MB folder of random bytes should need at least 4 parts of 1 MiB:\n{pack.Output}");
        foreach (string folder in folders)
        {
            Assert.IsTrue(File.Exists(Path.Combine(parts, folder, "MANIFEST")), $"{folder} lacks its copy of the manifest");
            foreach (string part in Directory.GetFiles(Path.Combine(parts, folder), "part-*"))
                Assert.IsLessThanOrEqualTo(PartBytes, new FileInfo(part).Length, $"{part} is over the forced part size");
        }

        // The device: part folders arrive as `carry` brings them, one per call; unpack.sh runs after each.
        string arrived = Path.Combine(temp.Path, "device", "parts");
        string target = Path.Combine(temp.Path, "device", "gpu-check");
        var nothing = Unpack(tools, arrived, target);
        Assert.AreEqual(3, nothing.ExitCode, nothing.Output);
        StringAssert.Contains(nothing.Output, "no part has arrived");

        // out of order: the last part first, then the others from the start
        string[] order = [folders[^1], .. folders[..^1]];
        for (int i = 0; i < order.Length - 1; i++)
        {
            CopyFolder(Path.Combine(parts, order[i]), Path.Combine(arrived, order[i]));
            var waiting = Unpack(tools, arrived, target);
            Assert.AreEqual(3, waiting.ExitCode, $"after {i + 1} of {order.Length} parts:\n{waiting.Output}");
            foreach (string missing in order[(i + 1)..])
                StringAssert.Contains(waiting.Output, $"{PartName(missing)}: missing (carry {Path.Combine(arrived, missing)})");
            foreach (string present in order[..(i + 1)])
                StringAssert.Contains(waiting.Output, $"{PartName(present)}: ok");
            Assert.IsFalse(Directory.Exists(target), "nothing may be extracted before every part has arrived");
        }

        // a part damaged in transit (one byte flipped), with every other part present: refused, named, nothing extracted
        string damaged = Path.Combine(arrived, order[1], PartName(order[1]));
        byte[] bytes = File.ReadAllBytes(damaged);
        bytes[bytes.Length / 2] ^= 0x5A;
        File.WriteAllBytes(damaged, bytes);
        CopyFolder(Path.Combine(parts, order[^1]), Path.Combine(arrived, order[^1]));
        var corrupt = Unpack(tools, arrived, target);
        Assert.AreEqual(1, corrupt.ExitCode, corrupt.Output);
        StringAssert.Contains(corrupt.Output, $"{PartName(order[1])}: CHECKSUM MISMATCH");
        StringAssert.Contains(corrupt.Output, $"carry {Path.Combine(arrived, order[1])} again");
        Assert.IsFalse(Directory.Exists(target), "nothing may be extracted from a corrupt part");

        // a truncated part (a transfer cut short) is caught by its size
        File.WriteAllBytes(damaged, bytes[..^100]);
        var truncated = Unpack(tools, arrived, target);
        Assert.AreEqual(1, truncated.ExitCode, truncated.Output);
        StringAssert.Contains(truncated.Output, $"{PartName(order[1])}: WRONG SIZE");

        // carried again, intact: everything is extracted and byte-identical to what was packed
        CopyFolder(Path.Combine(parts, order[1]), Path.Combine(arrived, order[1]));
        var done = Unpack(tools, arrived, target);
        Assert.AreEqual(0, done.ExitCode, done.Output);
        StringAssert.Contains(done.Output, "sha256 verified");
        AssertSameTree(source, target);

        // idempotent: run after every call, it leaves a finished extraction alone
        var again = Unpack(tools, arrived, target);
        Assert.AreEqual(0, again.ExitCode, again.Output);
        StringAssert.Contains(again.Output, "already holds this archive");
        AssertSameTree(source, target);
    }

    [TestMethod]
    public void APrunedCudaProviderIsRestoredToTheOriginalOnRequest()
    {
        string tools = RequireScripts();
        if (FindOnPath("python3") is null)
            Assert.Inconclusive("skipped: python3 (which pack.sh uses to prune the CUDA provider) is not on PATH");
        using var temp = new TempFolder();
        string source = Path.Combine(temp.Path, "published");
        Directory.CreateDirectory(source);
        var random = new Random(11);
        File.WriteAllBytes(Path.Combine(source, "Segnn.GpuCheck"), RandomBytes(random, 200_000));
        int[] architectures = [75, 90, 120, 80, 90];
        (byte[] original, List<(int Offset, int Length, int Arch)> payloads) = FakeCudaProvider(random, architectures, payloadBytes: 300_000);
        const string provider = "libonnxruntime_providers_cuda.so";
        File.WriteAllBytes(Path.Combine(source, provider), original);
        string parts = Path.Combine(temp.Path, "parts");

        var pack = Bash(tools, "pack.sh", "--src", source, "--out", parts, "--part-size", PartBytes.ToString(CultureInfo.InvariantCulture));
        Assert.AreEqual(0, pack.ExitCode, pack.Output);
        string[] restoreFolders = PartFolders(parts, "r");
        Assert.IsNotEmpty(restoreFolders, $"pruning should have written restore parts:\n{pack.Output}");

        string arrived = Path.Combine(temp.Path, "device", "parts");
        string target = Path.Combine(temp.Path, "device", "gpu-check");
        foreach (string folder in PartFolders(parts, "p"))
            CopyFolder(Path.Combine(parts, folder), Path.Combine(arrived, folder));
        var unpacked = Unpack(tools, arrived, target);
        Assert.AreEqual(0, unpacked.ExitCode, unpacked.Output);

        // the pruned library: only the sm_90 images are left; the rest of the file is untouched, its size too
        byte[] pruned = File.ReadAllBytes(Path.Combine(target, provider));
        Assert.HasCount(original.Length, pruned);
        byte[] expected = (byte[])original.Clone();
        foreach (var (offset, length, arch) in payloads.Where(p => p.Arch != 90))
            Array.Clear(expected, offset, length);
        CollectionAssert.AreEqual(expected, pruned, "pruning must zero exactly the other architectures' images");
        Assert.IsTrue(File.Exists(Path.Combine(target, "PRUNED.txt")), "the extracted folder should say that its provider is pruned");

        var waiting = Unpack(tools, arrived, target, "--restore");
        Assert.AreEqual(3, waiting.ExitCode, waiting.Output);
        StringAssert.Contains(waiting.Output, $"carry {Path.Combine(arrived, restoreFolders[0])}");

        foreach (string folder in restoreFolders)
            CopyFolder(Path.Combine(parts, folder), Path.Combine(arrived, folder));
        var restored = Unpack(tools, arrived, target, "--restore");
        Assert.AreEqual(0, restored.ExitCode, restored.Output);
        CollectionAssert.AreEqual(original, File.ReadAllBytes(Path.Combine(target, provider)), "the restored library must be the original");
        Assert.IsFalse(File.Exists(Path.Combine(target, "PRUNED.txt")));

        var again = Unpack(tools, arrived, target, "--restore");
        Assert.AreEqual(0, again.ExitCode, again.Output);
        StringAssert.Contains(again.Output, "already the original");
    }

    private static string RequireScripts()
    {
        if (OperatingSystem.IsWindows())
            Assert.Inconclusive("skipped: the GPU check's transfer scripts are bash scripts for Linux");
        if (FindOnPath("bash") is null || FindOnPath("tar") is null)
            Assert.Inconclusive("skipped: bash or tar is not on PATH");
        if (SharedData.RepositoryRoot is null)
            Assert.Inconclusive("skipped: the repository root (the folder with Segnn.sln) is not above the test binaries");
        string tools = Path.Combine(SharedData.RepositoryRoot!, "tools", "gpu-check");
        Assert.IsTrue(File.Exists(Path.Combine(tools, "pack.sh")) && File.Exists(Path.Combine(tools, "unpack.sh")), $"no pack.sh/unpack.sh in {tools}");
        return tools;
    }

    private static (int ExitCode, string Output) Unpack(string tools, string parts, string target, params string[] extra) =>
        Bash(tools, "unpack.sh", ["--parts", parts, "--target", target, .. extra]);

    private static (int ExitCode, string Output) Bash(string tools, string script, params string[] arguments)
    {
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(tools, script));
        foreach (string argument in arguments)
            start.ArgumentList.Add(argument);
        // a light xz preset: the test checks the transfer, not the compression ratio
        start.Environment["GPU_CHECK_XZ_PRESET"] = "3";
        using var process = Process.Start(start)!;
        var output = new StringBuilder();
        var gate = new object();
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (gate) output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (gate) output.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (!process.WaitForExit(TimeSpan.FromMinutes(3)))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"{script} {string.Join(' ', arguments)} did not finish in 3 minutes:\n{output}");
        }

        process.WaitForExit();
        lock (gate)
            return (process.ExitCode, $"$ {script} {string.Join(' ', arguments)}\n{output}");
    }

    private static string? FindOnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, name)).FirstOrDefault(File.Exists);

    private static string[] PartFolders(string parts, string prefix) =>
        Directory.GetDirectories(parts).Select(Path.GetFileName).OfType<string>()
            .Where(name => name.Length == 4 && name.StartsWith(prefix, StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToArray();

    // p003 holds part-003
    private static string PartName(string folder) => $"part-{folder[1..]}";

    private static byte[] RandomBytes(Random random, int count)
    {
        byte[] bytes = new byte[count];
        random.NextBytes(bytes);
        return bytes;
    }

    // random (incompressible) files, nested folders, an empty file and a text file: about 4.5 MB
    private static void WriteRandomTree(string root, Random random)
    {
        Directory.CreateDirectory(Path.Combine(root, "models", "deep"));
        File.WriteAllBytes(Path.Combine(root, "libbig.so"), RandomBytes(random, 2_500_000));
        File.WriteAllBytes(Path.Combine(root, "models", "a.onnx"), RandomBytes(random, 1_300_000));
        File.WriteAllBytes(Path.Combine(root, "models", "deep", "b.bin"), RandomBytes(random, 700_000));
        File.WriteAllBytes(Path.Combine(root, "empty"), []);
        File.WriteAllText(Path.Combine(root, "run.sh"), "#!/usr/bin/env bash\necho hello\n");
    }

    private static void AssertSameTree(string expected, string actual)
    {
        static string[] Files(string root) =>
            Directory.GetFiles(root, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(root, f)).Order(StringComparer.Ordinal).ToArray();
        CollectionAssert.AreEqual(Files(expected), Files(actual), "the extracted folder should hold exactly the packed files");
        foreach (string file in Files(expected))
            CollectionAssert.AreEqual(File.ReadAllBytes(Path.Combine(expected, file)), File.ReadAllBytes(Path.Combine(actual, file)), $"{file} differs after the transfer");
    }

    private static void CopyFolder(string from, string to)
    {
        if (Directory.Exists(to))
            Directory.Delete(to, recursive: true);  // `carry` replaces the path on the device
        Directory.CreateDirectory(to);
        foreach (string file in Directory.GetFiles(from))
            File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
    }

    /// <summary>
    /// A minimal ELF64 file with a .nv_fatbin section laid out as nvcc writes it: fatbins (16-byte header, then entries
    /// with a 64-byte header naming the GPU architecture), one entry per architecture given, split over two fatbins
    /// with padding between them; random bytes before the section stand for the host code.
    /// </summary>
    private static (byte[] File, List<(int Offset, int Length, int Arch)> Payloads) FakeCudaProvider(Random random, int[] architectures, int payloadBytes)
    {
        const int elfHeader = 64, sectionHeader = 64, host = 4096;
        var payloads = new List<(int Offset, int Length, int Arch)>();
        var section = new MemoryStream();
        int[][] fatbins = [architectures[..3], architectures[3..]];
        foreach (int[] group in fatbins)
        {
            byte[] header = new byte[16];
            BinaryPrimitives.WriteUInt32LittleEndian(header, 0xBA55ED50);
            BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(4), 1);
            BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(6), 16);
            BinaryPrimitives.WriteUInt64LittleEndian(header.AsSpan(8), (ulong)(group.Length * (64 + payloadBytes)));
            section.Write(header);
            foreach (int arch in group)
            {
                byte[] entry = new byte[64];
                BinaryPrimitives.WriteUInt16LittleEndian(entry, 2);  // an ELF (SASS) image
                BinaryPrimitives.WriteUInt16LittleEndian(entry.AsSpan(2), 0x0101);
                BinaryPrimitives.WriteUInt32LittleEndian(entry.AsSpan(4), 64);
                BinaryPrimitives.WriteUInt64LittleEndian(entry.AsSpan(8), (ulong)payloadBytes);
                BinaryPrimitives.WriteUInt32LittleEndian(entry.AsSpan(28), (uint)arch);
                section.Write(entry);
                payloads.Add(((int)(elfHeader + host + section.Length), payloadBytes, arch));
                section.Write(RandomBytes(random, payloadBytes));
            }

            section.Write(new byte[8]);  // alignment padding between fatbins
        }

        byte[] names = Encoding.ASCII.GetBytes("\0.nv_fatbin\0.shstrtab\0");
        int sectionOffset = elfHeader + host, namesOffset = sectionOffset + (int)section.Length, headersOffset = namesOffset + names.Length;
        byte[] file = new byte[headersOffset + 3 * sectionHeader];
        "\u007fELF"u8.CopyTo(file);
        file[4] = 2;  // 64-bit
        file[5] = 1;  // little-endian
        file[6] = 1;
        BinaryPrimitives.WriteUInt16LittleEndian(file.AsSpan(16), 3);  // shared object
        BinaryPrimitives.WriteUInt16LittleEndian(file.AsSpan(18), 62);  // x86-64
        BinaryPrimitives.WriteUInt64LittleEndian(file.AsSpan(0x28), (ulong)headersOffset);
        BinaryPrimitives.WriteUInt16LittleEndian(file.AsSpan(0x3A), sectionHeader);
        BinaryPrimitives.WriteUInt16LittleEndian(file.AsSpan(0x3C), 3);
        BinaryPrimitives.WriteUInt16LittleEndian(file.AsSpan(0x3E), 2);
        random.NextBytes(file.AsSpan(elfHeader, host));
        section.ToArray().CopyTo(file, sectionOffset);
        names.CopyTo(file, namesOffset);
        WriteSectionHeader(file.AsSpan(headersOffset + sectionHeader), name: 1, type: 1, sectionOffset, (int)section.Length);
        WriteSectionHeader(file.AsSpan(headersOffset + 2 * sectionHeader), name: 12, type: 3, namesOffset, names.Length);
        return (file, payloads);
    }

    private static void WriteSectionHeader(Span<byte> header, int name, int type, int offset, int size)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(header, (uint)name);
        BinaryPrimitives.WriteUInt32LittleEndian(header[4..], (uint)type);
        BinaryPrimitives.WriteUInt64LittleEndian(header[24..], (ulong)offset);
        BinaryPrimitives.WriteUInt64LittleEndian(header[32..], (ulong)size);
    }

    private sealed class TempFolder : IDisposable
    {
        public string Path { get; } = Directory.CreateTempSubdirectory("segnn-gpu-check-").FullName;

        public void Dispose()
        {
            try
            {
                Directory.Delete(Path, recursive: true);
            }
            catch (IOException)
            {
                // a leftover temporary folder is harmless
            }
        }
    }
}
