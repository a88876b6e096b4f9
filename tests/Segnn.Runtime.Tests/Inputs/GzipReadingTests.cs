using System.Globalization;
using System.IO.Compression;
using System.Text;
using Segnn.Runtime.Inputs;
using Segnn.Tests;

namespace Segnn.Runtime.Tests.Inputs;

/// <summary>Gzip input: truncated or corrupt data is refused by name, valid single- and multi-member files read fully.</summary>
[TestClass]
public sealed class GzipReadingTests
{
    private const int FrameCount = 12;

    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public void AFileCutAtAnyOffsetIsRefusedAsTruncated()
    {
        var (gzip, frameEnds) = FlushedPerFrame(FrameCount);
        using var folder = new TempFolder();
        int checkedCuts = 0;
        // From 2: a file of one byte is not gzip (no magic), so it is read as text.
        for (int cut = 2; cut < gzip.Length; cut++)
        {
            string path = folder.Write($"cut{cut}.xyz.gz", gzip.AsSpan(0, cut));
            var frames = new List<XyzFrame>();
            var error = Assert.ThrowsExactly<InvalidDataException>(() =>
            {
                foreach (var frame in XyzReader.ReadFile(path))
                    frames.Add(frame);
            }, $"cut at {cut} of {gzip.Length}");
            StringAssert.StartsWith(error.Message, $"{path}: the gzip data is truncated: ", $"cut at {cut}");
            Assert.IsLessThanOrEqualTo(FrameCount, frames.Count);
            for (int i = 0; i < frames.Count; i++)
                Assert.AreEqual($"frame {i}", frames[i].Info["name"], "frames before the error are the file's first frames");
            File.Delete(path);
            checkedCuts++;
        }

        Assert.AreEqual(gzip.Length - 2, checkedCuts);
        Assert.HasCount(FrameCount, frameEnds);
    }

    [TestMethod]
    public void ACutWhereAFrameEndsIsRefusedAlthoughItDecompressesToWholeFrames()
    {
        var (gzip, frameEnds) = FlushedPerFrame(FrameCount);
        using var folder = new TempFolder();
        for (int k = 0; k < frameEnds.Count; k++)
        {
            int cut = frameEnds[k];
            // The premise: the cut data decompresses (leniently) to exactly the first k + 1 frames, nothing partial.
            using (var lenient = new StreamReader(new GZipStream(new MemoryStream(gzip, 0, cut), CompressionMode.Decompress)))
            {
                var lenientFrames = XyzReader.Read(lenient, "lenient").ToList();
                Assert.HasCount(k + 1, lenientFrames, $"cut at {cut}");
            }

            string path = folder.Write($"frames{k}.xyz.gz", gzip.AsSpan(0, cut));
            int read = 0;
            var error = Assert.ThrowsExactly<InvalidDataException>(() =>
            {
                foreach (var frame in XyzReader.ReadFile(path))
                    read++;
            });
            StringAssert.StartsWith(error.Message, $"{path}: the gzip data is truncated: ");
            Assert.AreEqual(k + 1, read, "every whole frame is read before the error");
        }
    }

    [TestMethod]
    public void DroppingOnlyTheTrailerIsRefusedWithTheExpectedCrcAndSize()
    {
        var (gzip, _) = FlushedPerFrame(FrameCount);
        string text = Decompress(gzip);
        using var folder = new TempFolder();
        string path = folder.Write("notrailer.xyz.gz", gzip.AsSpan(0, gzip.Length - 8));
        var error = Assert.ThrowsExactly<InvalidDataException>(() => XyzReader.ReadFile(path).ToList());
        StringAssert.StartsWith(error.Message, $"{path}: the gzip data is truncated: ");
        StringAssert.Contains(error.Message, "8-byte trailer");
        StringAssert.Contains(error.Message, $"expected CRC-32 {BitwiseCrc32(Encoding.UTF8.GetBytes(text)):x8} and size {Encoding.UTF8.GetByteCount(text)}");
        StringAssert.Contains(error.Message, "found 0 of its 8 bytes");

        string partial = folder.Write("halftrailer.xyz.gz", gzip.AsSpan(0, gzip.Length - 3));
        error = Assert.ThrowsExactly<InvalidDataException>(() => XyzReader.ReadFile(partial).ToList());
        StringAssert.Contains(error.Message, "found 5 of its 8 bytes");
    }

    [TestMethod]
    public async Task TheAsynchronousReaderRefusesTruncatedDataToo()
    {
        var (gzip, frameEnds) = FlushedPerFrame(FrameCount);
        using var folder = new TempFolder();
        foreach (int cut in new[] { 5, frameEnds[0], frameEnds[3], gzip.Length / 2, gzip.Length - 8, gzip.Length - 1 })
        {
            string path = folder.Write($"async{cut}.xyz.gz", gzip.AsSpan(0, cut));
            var error = await Assert.ThrowsExactlyAsync<InvalidDataException>(async () =>
            {
                await foreach (var frame in XyzReader.ReadFileAsync(path, TestContext.CancellationToken))
                    Assert.IsNotNull(frame);
            });
            StringAssert.StartsWith(error.Message, $"{path}: the gzip data is truncated: ", $"cut at {cut}");
        }

        string whole = folder.Write("whole.xyz.gz", gzip);
        int count = 0;
        await foreach (var frame in XyzReader.ReadFileAsync(whole, TestContext.CancellationToken))
            Assert.AreEqual($"frame {count++}", frame.Info["name"]);
        Assert.AreEqual(FrameCount, count);
    }

    [TestMethod]
    [DataRow(8, DisplayName = "CRC-32 byte")]
    [DataRow(5, DisplayName = "CRC-32 high byte")]
    [DataRow(4, DisplayName = "size byte")]
    [DataRow(1, DisplayName = "size high byte")]
    public void AWrongTrailerIsRefusedAsCorrupt(int fromEnd)
    {
        var (gzip, _) = FlushedPerFrame(FrameCount);
        byte[] text = Encoding.UTF8.GetBytes(Decompress(gzip));
        gzip[^fromEnd] ^= 0x40;
        using var folder = new TempFolder();
        string path = folder.Write("badtrailer.xyz.gz", gzip);
        var error = Assert.ThrowsExactly<InvalidDataException>(() => XyzReader.ReadFile(path).ToList());
        StringAssert.StartsWith(error.Message, $"{path}: the gzip data is corrupt: ");
        StringAssert.Contains(error.Message, $"expected CRC-32 {BitwiseCrc32(text):x8} and size {text.Length}");
        uint crc = BitConverter.ToUInt32(gzip, gzip.Length - 8);
        uint size = BitConverter.ToUInt32(gzip, gzip.Length - 4);
        StringAssert.Contains(error.Message, $"found CRC-32 {crc:x8} and size {size}");
    }

    [TestMethod]
    public void EveryFlippedByteOfTheDataOrTrailerIsRefusedUnlessTheDataAreUnchanged()
    {
        var (gzip, _) = FlushedPerFrame(FrameCount);
        string[] expected = XyzReader.Read(new StringReader(Decompress(gzip)), "original").Select(f => f.Comment).ToArray();
        using var folder = new TempFolder();
        int harmless = 0, gzipErrors = 0;
        // Bytes 4-9 of the header (time, compressor flags, OS) carry no data; everything after them does, except the
        // bits that pad deflate blocks to whole bytes.
        for (int at = 10; at < gzip.Length; at++)
        {
            byte[] bad = (byte[])gzip.Clone();
            bad[at] ^= 0x10;
            string path = folder.Write($"flip{at}.xyz.gz", bad);
            try
            {
                var comments = XyzReader.ReadFile(path).Select(f => f.Comment).ToArray();
                CollectionAssert.AreEqual(expected, comments, $"flipped byte {at} read without error, so it must not change the data");
                harmless++;
            }
            catch (InvalidDataException error)
            {
                // A changed character can also make the text malformed before the reader gets to the trailer.
                Assert.IsTrue(
                    error.Message.StartsWith($"{path}: the gzip data is corrupt: ", StringComparison.Ordinal)
                        || error.Message.StartsWith($"{path}: the gzip data is truncated: ", StringComparison.Ordinal)
                        || System.Text.RegularExpressions.Regex.IsMatch(error.Message, $"^{System.Text.RegularExpressions.Regex.Escape(path)}:[0-9]+: "),
                    $"flipped byte {at}: {error.Message}");
                gzipErrors += error.Message.Contains("the gzip data is", StringComparison.Ordinal) ? 1 : 0;
            }

            File.Delete(path);
        }

        // Unused bits pad each sync flush (one per frame) and the last block to whole bytes.
        Assert.IsLessThanOrEqualTo(FrameCount + 1, harmless, "only padding bits may be flipped unnoticed");
        Assert.IsGreaterThan((gzip.Length - 10) / 2, gzipErrors, "most damage is found by the gzip checks");
    }

    [TestMethod]
    public void ConcatenatedMembersReadFully()
    {
        var members = Enumerable.Range(0, 4).Select(m => Member(Frames(3 * m, 3), optimal: m % 2 == 0)).ToList();
        // Member 2 with every optional header field: extra field, file name, comment and header CRC.
        members[2] = WithFullHeader(members[2]);
        using var folder = new TempFolder();
        string path = folder.Write("cat.xyz.gz", members.SelectMany(m => m).ToArray());
        var names = XyzReader.ReadFile(path).Select(f => f.Info["name"]).ToList();
        CollectionAssert.AreEqual(Enumerable.Range(0, 12).Select(i => $"frame {i}").ToArray(), names);

        // An empty member between two others, and zero padding at the end, as gzip(1) allows.
        byte[] padded = [.. members[0], .. Member("", optimal: true), .. members[1], .. new byte[37]];
        string paddedPath = folder.Write("padded.xyz.gz", padded);
        Assert.HasCount(6, XyzReader.ReadFile(paddedPath).ToList());
    }

    [TestMethod]
    public void DamageInAConcatenatedFileIsRefused()
    {
        byte[] a = Member(Frames(0, 3), optimal: true);
        byte[] b = Member(Frames(3, 3), optimal: true);
        using var folder = new TempFolder();

        byte[] badMiddle = [.. a, .. b];
        badMiddle[a.Length - 6] ^= 1;
        string path = folder.Write("badmiddle.xyz.gz", badMiddle);
        var error = Assert.ThrowsExactly<InvalidDataException>(() => XyzReader.ReadFile(path).ToList());
        StringAssert.StartsWith(error.Message, $"{path}: the gzip data is corrupt: member 1 ");

        foreach (int keep in new[] { 1, 2, 9, 10, 11, b.Length - 8, b.Length - 1 })
        {
            string cut = folder.Write($"cut{keep}.xyz.gz", [.. a, .. b.AsSpan(0, keep)]);
            var frames = new List<XyzFrame>();
            error = Assert.ThrowsExactly<InvalidDataException>(() =>
            {
                foreach (var frame in XyzReader.ReadFile(cut))
                    frames.Add(frame);
            }, $"second member cut after {keep} bytes");
            StringAssert.StartsWith(error.Message, $"{cut}: the gzip data is truncated: ", $"second member cut after {keep} bytes");
            StringAssert.Contains(error.Message, "member 2");
            Assert.IsGreaterThanOrEqualTo(3, frames.Count, "the first member's frames are read");
        }

        string garbage = folder.Write("garbage.xyz.gz", [.. a, .. "trailing words"u8]);
        error = Assert.ThrowsExactly<InvalidDataException>(() => XyzReader.ReadFile(garbage).ToList());
        StringAssert.StartsWith(error.Message, $"{garbage}: the gzip data is corrupt: ");
        StringAssert.Contains(error.Message, "neither another gzip member");

        byte[] badMethod = [.. a, .. b];
        badMethod[a.Length + 2] = 7;
        string method = folder.Write("method.xyz.gz", badMethod);
        error = Assert.ThrowsExactly<InvalidDataException>(() => XyzReader.ReadFile(method).ToList());
        StringAssert.Contains(error.Message, "compression method 7");
    }

    [TestMethod]
    public async Task RealGzipFilesReadFullyAlsoConcatenatedAndAreRefusedCut()
    {
        // Every slabs file is read in full by PeriodicStructureTests, every QM9 part by XyzReaderTests.
        string folder = SharedData.Require("data/slabs-emt");
        byte[] test = File.ReadAllBytes(Path.Combine(folder, "bulk_test.extxyz.gz"));
        byte[] valid = File.ReadAllBytes(Path.Combine(folder, "bulk_valid.extxyz.gz"));
        using var temp = new TempFolder();
        string both = temp.Write("both.extxyz.gz", [.. test, .. valid]);
        var frames = XyzReader.ReadFile(both).ToList();
        Assert.HasCount(300, frames, "README: 150 + 150 frames");
        CollectionAssert.AreEqual(
            XyzReader.ReadFile(Path.Combine(folder, "bulk_valid.extxyz.gz")).Select(f => f.Comment).ToArray(),
            frames.Skip(150).Select(f => f.Comment).ToArray());
        var asynchronous = new List<XyzFrame>();
        await foreach (var frame in XyzReader.ReadFileAsync(both, TestContext.CancellationToken))
            asynchronous.Add(frame);
        CollectionAssert.AreEqual(frames.Select(f => f.Comment).ToArray(), asynchronous.Select(f => f.Comment).ToArray());
        CollectionAssert.AreEqual(frames[299].Positions, asynchronous[299].Positions);
        foreach (int drop in new[] { 1, 8, 9, test.Length / 2 })
        {
            string cut = temp.Write($"cut{drop}.extxyz.gz", test.AsSpan(0, test.Length - drop));
            var error = Assert.ThrowsExactly<InvalidDataException>(() => XyzReader.ReadFile(cut).ToList(), $"{drop} bytes dropped");
            StringAssert.StartsWith(error.Message, $"{cut}: the gzip data is truncated: ");
        }
    }

    // Frames "frame i" .. of a few atoms each, as plain XYZ.
    private static string Frames(int first, int count)
    {
        var text = new StringBuilder();
        for (int i = first; i < first + count; i++)
        {
            text.Append(CultureInfo.InvariantCulture, $"3\nname=\"frame {i}\" energy={-1.25 * i}\n");
            for (int a = 0; a < 3; a++)
                text.Append(CultureInfo.InvariantCulture, $"{(a == 0 ? "O" : "H")} {0.1 * i + a:R} {0.37 * a:R} {-0.5 * a * i:R}\n");
        }

        return text.ToString();
    }

    // One gzip member; with a sync flush after each frame so that the compressed data up to each flush decompresses to whole frames.
    private static (byte[] Gzip, List<int> FrameEnds) FlushedPerFrame(int frames)
    {
        var output = new MemoryStream();
        var ends = new List<int>();
        using (var gzip = new GZipStream(output, CompressionLevel.Optimal, leaveOpen: true))
        {
            for (int i = 0; i < frames; i++)
            {
                gzip.Write(Encoding.UTF8.GetBytes(Frames(i, 1)));
                gzip.Flush();
                ends.Add((int)output.Length);
            }
        }

        return (output.ToArray(), ends);
    }

    private static byte[] Member(string text, bool optimal)
    {
        var output = new MemoryStream();
        using (var gzip = new GZipStream(output, optimal ? CompressionLevel.Optimal : CompressionLevel.Fastest, leaveOpen: true))
            gzip.Write(Encoding.UTF8.GetBytes(text));
        return output.ToArray();
    }

    // The same member with FEXTRA, FNAME, FCOMMENT and FHCRC set in its header.
    private static byte[] WithFullHeader(byte[] member)
    {
        var header = new List<byte> { 0x1f, 0x8b, 8, 0x02 | 0x04 | 0x08 | 0x10, 1, 2, 3, 4, 0, 3 };
        byte[] extra = [(byte)'S', (byte)'g', 3, 0, 9, 8, 7];
        header.AddRange([(byte)extra.Length, 0]);
        header.AddRange(extra);
        header.AddRange("frames.xyz\0"u8.ToArray());
        header.AddRange("a comment\0"u8.ToArray());
        uint crc = BitwiseCrc32(header.ToArray());
        header.AddRange([(byte)crc, (byte)(crc >> 8)]);
        return [.. header, .. member.AsSpan(10)];
    }

    private static string Decompress(byte[] gzip)
    {
        using var reader = new StreamReader(new GZipStream(new MemoryStream(gzip), CompressionMode.Decompress));
        return reader.ReadToEnd();
    }

    // The CRC-32 of gzip, one bit at a time (independent of the reader's table-driven one).
    private static uint BitwiseCrc32(byte[] data)
    {
        uint crc = 0xffffffff;
        foreach (byte b in data)
        {
            crc ^= b;
            for (int k = 0; k < 8; k++)
                crc = (crc >> 1) ^ (0xedb88320 & (0u - (crc & 1)));
        }

        return ~crc;
    }

    private sealed class TempFolder : IDisposable
    {
        public string Path { get; } = Directory.CreateTempSubdirectory("segnn-gzip-").FullName;

        public string Write(string name, ReadOnlySpan<byte> data)
        {
            string path = System.IO.Path.Combine(Path, name);
            using var file = File.Create(path);
            file.Write(data);
            return path;
        }

        public void Dispose() => Directory.Delete(Path, recursive: true);
    }
}
