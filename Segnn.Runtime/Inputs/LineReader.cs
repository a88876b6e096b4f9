namespace Segnn.Runtime.Inputs;

/// <summary>
/// Hands out lines as spans over one reusable buffer (no string per line). Lines end at '\n'; a trailing '\r' is
/// dropped; the last line needs no terminator. Refilling is separate from taking lines so that the same parser runs
/// synchronously and asynchronously.
/// </summary>
internal sealed class LineReader
{
    // One line longer than this is not a text geometry file: stop before memory runs out.
    private const int MaxLineLength = 1 << 26;

    private readonly TextReader _reader;
    private readonly string _source;
    private char[] _buffer = new char[1 << 16];
    private int _start;
    private int _end;
    private int _scanned;
    private bool _eof;

    public LineReader(TextReader reader, string source)
    {
        _reader = reader;
        _source = source;
    }

    /// <summary>The 1-based number of the line last taken (0 before the first).</summary>
    public int LineNumber { get; private set; }

    /// <summary>Whether every line has been taken.</summary>
    public bool IsAtEnd => _eof && _start == _end;

    /// <summary>Takes the next complete line from the buffer; false when the buffer needs a refill (or at the end).</summary>
    public bool TryTakeLine(out ReadOnlySpan<char> line)
    {
        var pending = _buffer.AsSpan(_start, _end - _start);
        int newline = pending[_scanned..].IndexOf('\n');
        if (newline >= 0)
        {
            newline += _scanned;
            line = TrimCarriageReturn(pending[..newline]);
            _start += newline + 1;
            _scanned = 0;
            LineNumber++;
            return true;
        }

        if (_eof && pending.Length > 0)
        {
            line = TrimCarriageReturn(pending);
            _start = _end;
            _scanned = 0;
            LineNumber++;
            return true;
        }

        // Remember how far the partial line has been searched, so a long line is not rescanned on every refill.
        _scanned = pending.Length;
        line = default;
        return false;
    }

    public void Fill()
    {
        MakeRoom();
        Advance(_reader.Read(_buffer, _end, _buffer.Length - _end));
    }

    public async ValueTask FillAsync(CancellationToken cancellationToken)
    {
        MakeRoom();
        Advance(await _reader.ReadAsync(_buffer.AsMemory(_end), cancellationToken).ConfigureAwait(false));
    }

    private void MakeRoom()
    {
        if (_start > 0)
        {
            Array.Copy(_buffer, _start, _buffer, 0, _end - _start);
            _end -= _start;
            _start = 0;
        }

        if (_end == _buffer.Length)
        {
            if (_buffer.Length >= MaxLineLength)
                throw new InvalidDataException($"{_source}:{LineNumber + 1}: line is longer than {MaxLineLength} characters; this is not an XYZ file");
            Array.Resize(ref _buffer, _buffer.Length * 2);
        }
    }

    private void Advance(int read)
    {
        if (read == 0)
            _eof = true;
        else
            _end += read;
    }

    private static ReadOnlySpan<char> TrimCarriageReturn(ReadOnlySpan<char> line) =>
        line.Length > 0 && line[^1] == '\r' ? line[..^1] : line;
}
