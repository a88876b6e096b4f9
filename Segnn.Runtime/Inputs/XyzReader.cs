using System.Runtime.CompilerServices;
using System.Text;

namespace Segnn.Runtime.Inputs;

/// <summary>
/// Reads multi-frame XYZ files: plain XYZ, extended XYZ (<c>Properties=</c> declares the columns) and the standard QM9
/// format (a <c>gdb</c> comment line, <c>El x y z q</c> atoms, then the frequencies, SMILES and InChI lines). Numbers
/// may use Mathematica exponents (<c>1.2345*^-6</c>); columns may be separated by spaces or tabs; elements may be
/// given as symbols or atomic numbers. Frames are read lazily, one at a time.
/// </summary>
/// <remarks>
/// Malformed input throws <see cref="InvalidDataException"/> with a message that starts <c>{source}:{line}: </c> and
/// says what is wrong; nothing is skipped silently (blank lines between frames are allowed). Gzip data that is
/// truncated or corrupt throws one that starts <c>{path}: the gzip data is truncated</c> (or <c>corrupt</c>), from the
/// read that reaches the problem, so every frame before it is still returned (see <see cref="OpenText(string)"/>). Frames
/// with <c>Lattice=</c>/<c>pbc=</c> carry their cell (<see cref="XyzFrame.Cell"/>).
/// </remarks>
public static class XyzReader
{
    private const int BufferSize = 1 << 16;

    /// <summary>Reads the frames of a file, decompressing it when it is gzip (detected by its magic bytes, not its name).</summary>
    /// <param name="path">The file; it also names the source in frames and error messages.</param>
    public static IEnumerable<XyzFrame> ReadFile(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return ReadFileCore(path);
    }

    /// <summary>Reads the frames of a text stream.</summary>
    /// <param name="reader">The text; it is not disposed.</param>
    /// <param name="sourceName">Names the source in frames and error messages.</param>
    public static IEnumerable<XyzFrame> Read(TextReader reader, string sourceName)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentNullException.ThrowIfNull(sourceName);
        return ReadCore(reader, sourceName);
    }

    /// <summary>Reads the frames of a file asynchronously (gzip detected by its magic bytes).</summary>
    public static IAsyncEnumerable<XyzFrame> ReadFileAsync(string path, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return ReadFileAsyncCore(path, cancellationToken);
    }

    /// <summary>Reads the frames of a text stream asynchronously.</summary>
    /// <param name="reader">The text; it is not disposed.</param>
    /// <param name="sourceName">Names the source in frames and error messages.</param>
    /// <param name="cancellationToken">Stops the reading between reads.</param>
    public static IAsyncEnumerable<XyzFrame> ReadAsync(TextReader reader, string sourceName, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentNullException.ThrowIfNull(sourceName);
        return ReadAsyncCore(reader, sourceName, cancellationToken);
    }

    /// <summary>Opens a file for reading as text, through a gzip decompressor when it starts with the gzip magic bytes 1f 8b.</summary>
    /// <remarks>
    /// Gzip data may hold several members (<c>cat a.gz b.gz</c>); each member's CRC-32 and size are checked against its
    /// trailer. Data that ends early (a file cut anywhere, even where a frame ends) or does not match its trailer makes
    /// the read that reaches the problem throw an <see cref="InvalidDataException"/> whose message starts with the path
    /// and says the gzip data is truncated or corrupt; only zero padding may follow the last member.
    /// </remarks>
    public static TextReader OpenText(string path) => OpenText(path, asynchronous: false);

    private static TextReader OpenText(string path, bool asynchronous)
    {
        var options = FileOptions.SequentialScan | (asynchronous ? FileOptions.Asynchronous : FileOptions.None);
        var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, BufferSize, options);
        try
        {
            Span<byte> magic = stackalloc byte[2];
            int read = file.ReadAtLeast(magic, 2, throwOnEndOfStream: false);
            file.Position = 0;
            Stream stream = read == 2 && magic[0] == 0x1f && magic[1] == 0x8b
                ? new GzipReadStream(file, path)
                : file;
            return new StreamReader(stream, Encoding.UTF8, detectEncodingFromByteOrderMarks: true, BufferSize, leaveOpen: false);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    private static IEnumerable<XyzFrame> ReadFileCore(string path)
    {
        using var reader = OpenText(path, asynchronous: false);
        foreach (var frame in ReadCore(reader, path))
            yield return frame;
    }

    private static IEnumerable<XyzFrame> ReadCore(TextReader reader, string source)
    {
        var parser = new XyzParser(reader, source);
        while (true)
        {
            var frame = parser.TryAdvance(out bool needsData);
            if (frame is not null)
                yield return frame;
            else if (needsData)
                parser.Fill();
            else
                yield break;
        }
    }

    private static async IAsyncEnumerable<XyzFrame> ReadFileAsyncCore(string path, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var reader = OpenText(path, asynchronous: true);
        await foreach (var frame in ReadAsyncCore(reader, path, cancellationToken).ConfigureAwait(false))
            yield return frame;
    }

    private static async IAsyncEnumerable<XyzFrame> ReadAsyncCore(TextReader reader, string source, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var parser = new XyzParser(reader, source);
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var frame = parser.TryAdvance(out bool needsData);
            if (frame is not null)
                yield return frame;
            else if (needsData)
                await parser.FillAsync(cancellationToken).ConfigureAwait(false);
            else
                yield break;
        }
    }
}
