using System.Buffers.Binary;
using System.IO.Compression;

namespace Segnn.Runtime.Inputs;

/// <summary>
/// Decompresses gzip data (RFC 1952), member after member (<c>cat a.gz b.gz</c> is one file), and refuses what
/// <see cref="GZipStream"/> lets through: data that ends early (inside a header, the compressed data or the 8-byte
/// trailer, including a file cut exactly where a block of output ends) and a trailer whose CRC-32 or size does not match
/// the decompressed data. Errors are <see cref="InvalidDataException"/>s that start "{source}: the gzip data is
/// truncated" or "... is corrupt", raised by the read that reaches the problem.
/// </summary>
/// <remarks>
/// Each member's deflate data goes to a raw <see cref="DeflateStream"/> through <see cref="DeflateInput"/>, which hands
/// out the buffered bytes in chunks and so knows where the deflate data ended: within the last chunk (the inflater asks
/// for input only when it has used all it was given). The trailer is the first 8 bytes from there on that hold the
/// expected CRC-32 and size; in the last 16 bytes of a file of known length the chunks are single bytes, so the end of
/// the last member's deflate data, and with it its trailer, is known exactly. After the last member only zero padding
/// may follow.
/// </remarks>
internal sealed class GzipReadStream : ReadOnlyStream
{
    private const int TrailerLength = 8;
    private const int HeaderLength = 10;
    private const int TailLength = 16;
    private const int KeepBehind = 16;
    private const int MaxHeaderLength = 1 << 20;

    private readonly Stream _inner;
    private readonly string _source;
    private readonly long _length;
    private readonly DeflateInput _input;
    private byte[] _buffer = new byte[1 << 16];
    private int _start;
    private int _end;
    private long _bufferOffset;
    private bool _innerEnded;

    private Stage _stage = Stage.Header;
    private int _member;
    private long _memberOffset;
    private DeflateStream? _deflate;
    private uint _crc;
    private long _size;
    private int _chunkStart;
    private int _chunkLength;
    private bool _inputEnded;
    private bool _padding;

    /// <param name="inner">The compressed data, read from its current position; disposed with this stream.</param>
    /// <param name="source">Names the data in error messages.</param>
    public GzipReadStream(Stream inner, string source)
    {
        _inner = inner;
        _source = source;
        _length = inner.CanSeek ? inner.Length - inner.Position : -1;
        _input = new DeflateInput(this);
        _member = 1;
    }

    private enum Stage
    {
        Header,
        Body,
        Trailer,
        Between,
        End,
    }

    public override int Read(Span<byte> buffer)
    {
        if (buffer.IsEmpty)
            return 0;
        while (true)
        {
            if (_stage == Stage.End)
                return 0;
            if (_stage == Stage.Body)
            {
                int n;
                try
                {
                    n = _deflate!.Read(buffer);
                }
                catch (InvalidDataException e)
                {
                    throw DeflateError(e);
                }

                if (n > 0)
                    return Produced(buffer[..n]);
                EndBody();
            }
            else if (!Step())
            {
                Fill();
            }
        }
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (buffer.IsEmpty)
            return 0;
        while (true)
        {
            if (_stage == Stage.End)
                return 0;
            if (_stage == Stage.Body)
            {
                int n;
                try
                {
                    n = await _deflate!.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
                }
                catch (InvalidDataException e)
                {
                    throw DeflateError(e);
                }

                if (n > 0)
                    return Produced(buffer.Span[..n]);
                EndBody();
            }
            else if (!Step())
            {
                await FillAsync(cancellationToken).ConfigureAwait(false);
            }
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _deflate?.Dispose();
            _deflate = null;
            _inner.Dispose();
        }

        base.Dispose(disposing);
    }

    private int Produced(ReadOnlySpan<byte> data)
    {
        _crc = Crc32.Append(_crc, data);
        _size += data.Length;
        return data.Length;
    }

    // Header, trailer and what follows a member: false when more compressed bytes are needed (never once the data ended).
    private bool Step() => _stage switch
    {
        Stage.Header => TryReadHeader(),
        Stage.Trailer => TryReadTrailer(),
        _ => TryFindNextMember(),
    };

    private bool TryReadHeader()
    {
        var b = _buffer.AsSpan(_start, _end - _start);
        _memberOffset = _bufferOffset + _start;
        if (b.Length < HeaderLength)
            return NeedMore($"the file ends inside the {HeaderLength}-byte header of member {_member} (at byte {_memberOffset}, {b.Length} bytes of it present)");
        if (b[0] != 0x1f || b[1] != 0x8b)
            throw Corrupt($"member {_member} at byte {_memberOffset} does not start with the gzip magic bytes 1f 8b (found {b[0]:x2} {b[1]:x2})");
        if (b[2] != 8)
            throw Corrupt($"member {_member} at byte {_memberOffset} has compression method {b[2]}, not deflate (8)");
        byte flags = b[3];
        if ((flags & 0xe0) != 0)
            throw Corrupt($"member {_member} at byte {_memberOffset} sets reserved header flags (0x{flags:x2})");
        int p = HeaderLength;
        if ((flags & 0x04) != 0)
        {
            if (b.Length < p + 2)
                return NeedMore($"the file ends inside the header of member {_member} (at byte {_memberOffset})");
            p += 2 + BinaryPrimitives.ReadUInt16LittleEndian(b[p..]);
        }

        for (int flag = 0x08; flag <= 0x10; flag <<= 1)
        {
            if ((flags & flag) == 0)
                continue;
            int zero = p < b.Length ? b[p..].IndexOf((byte)0) : -1;
            if (zero < 0)
                return NeedMore($"the file ends inside the header of member {_member} (at byte {_memberOffset})");
            p += zero + 1;
        }

        if ((flags & 0x02) != 0)
        {
            if (b.Length < p + 2)
                return NeedMore($"the file ends inside the header of member {_member} (at byte {_memberOffset})");
            ushort expected = BinaryPrimitives.ReadUInt16LittleEndian(b[p..]);
            ushort found = (ushort)Crc32.Append(0, b[..p]);
            if (expected != found)
                throw Corrupt($"the header CRC of member {_member} at byte {_memberOffset} does not match (expected {expected:x4}, found {found:x4})");
            p += 2;
        }

        if (b.Length < p)
            return NeedMore($"the file ends inside the header of member {_member} (at byte {_memberOffset})");
        _start += p;
        _deflate = new DeflateStream(_input, CompressionMode.Decompress, leaveOpen: true);
        _crc = 0;
        _size = 0;
        _chunkStart = _start;
        _chunkLength = 0;
        _inputEnded = false;
        _stage = Stage.Body;
        return true;
    }

    private void EndBody()
    {
        if (_inputEnded)
        {
            throw Truncated(
                $"the file ends inside the compressed data of member {_member} (which starts at byte {_memberOffset}; the file has {_bufferOffset + _end} bytes, {_size} decompressed so far)");
        }

        _deflate!.Dispose();
        _deflate = null;
        _stage = Stage.Trailer;
    }

    private bool TryReadTrailer()
    {
        uint expectedCrc = _crc;
        uint expectedSize = unchecked((uint)_size);
        string expected = $"expected CRC-32 {expectedCrc:x8} and size {expectedSize} (the {_size} bytes decompressed)";
        long chunkOffset = _bufferOffset + _chunkStart;
        bool exact = _chunkLength == 1 && _length >= 0 && chunkOffset >= _length - TailLength;
        if (exact)
        {
            // The inflater took this data one byte at a time: its deflate data end exactly where it stopped.
            int available = _end - _start;
            if (available < TrailerLength)
            {
                if (!_innerEnded)
                    return false;
                throw Truncated($"member {_member} (from byte {_memberOffset}) ends at byte {_bufferOffset + _start} without its complete 8-byte trailer: {expected}, found {available} of its 8 bytes");
            }

            uint foundCrc = BinaryPrimitives.ReadUInt32LittleEndian(_buffer.AsSpan(_start));
            uint foundSize = BinaryPrimitives.ReadUInt32LittleEndian(_buffer.AsSpan(_start + 4));
            if (foundCrc != expectedCrc || foundSize != expectedSize)
                throw Corrupt($"the trailer of member {_member} (from byte {_memberOffset}) does not match its data: {expected}, found CRC-32 {foundCrc:x8} and size {foundSize}");
            return Accept(_start);
        }

        if (_end - _start < TrailerLength && !_innerEnded)
            return false;
        int from = Math.Max(0, _chunkStart - KeepBehind);
        for (int p = from; p <= _start && p + TrailerLength <= _end; p++)
        {
            if (BinaryPrimitives.ReadUInt32LittleEndian(_buffer.AsSpan(p)) == expectedCrc
                && BinaryPrimitives.ReadUInt32LittleEndian(_buffer.AsSpan(p + 4)) == expectedSize)
            {
                return Accept(p);
            }
        }

        if (_innerEnded && _end - _start < TrailerLength)
            throw Truncated($"member {_member} (from byte {_memberOffset}) is not followed by its complete 8-byte trailer before the file ends: {expected}, found no such trailer");
        throw Corrupt($"member {_member} (from byte {_memberOffset}) is not followed by a trailer that matches its data: {expected}, found no such trailer near byte {_bufferOffset + _start}");
    }

    private bool Accept(int trailer)
    {
        _start = trailer + TrailerLength;
        _stage = Stage.Between;
        _padding = false;
        return true;
    }

    // After a member: the end of the data, zero padding to the end, or the next member.
    private bool TryFindNextMember()
    {
        while (_start < _end && _buffer[_start] == 0)
        {
            _padding = true;
            _start++;
        }

        if (_start == _end)
        {
            if (!_innerEnded)
                return false;
            _stage = Stage.End;
            return true;
        }

        if (_padding || _buffer[_start] != 0x1f)
        {
            throw Corrupt(
                $"byte {_bufferOffset + _start} after member {_member} is 0x{_buffer[_start]:x2}, which starts neither another gzip member (1f 8b) nor zero padding to the end of the file");
        }

        _member++;
        _stage = Stage.Header;
        return true;
    }

    private bool NeedMore(string truncation)
    {
        if (_innerEnded)
            throw Truncated(truncation);
        if (_end - _start >= MaxHeaderLength)
            throw Corrupt($"the header of member {_member} at byte {_memberOffset} is longer than {MaxHeaderLength} bytes");
        return false;
    }

    // Moves the bytes still needed to the front (with a few already handed to the inflater) and makes room for more.
    private Memory<byte> PrepareFill()
    {
        int keep = _stage == Stage.Trailer ? Math.Max(0, _chunkStart - KeepBehind) : Math.Max(0, _start - KeepBehind);
        if (keep > 0)
        {
            Array.Copy(_buffer, keep, _buffer, 0, _end - keep);
            _bufferOffset += keep;
            _start -= keep;
            _end -= keep;
            _chunkStart -= keep;
        }

        if (_end == _buffer.Length)
            Array.Resize(ref _buffer, 2 * _buffer.Length);
        return _buffer.AsMemory(_end);
    }

    private void Fill() => Advance(_inner.Read(PrepareFill().Span));

    private async ValueTask FillAsync(CancellationToken cancellationToken) =>
        Advance(await _inner.ReadAsync(PrepareFill(), cancellationToken).ConfigureAwait(false));

    private void Advance(int read)
    {
        if (read == 0)
            _innerEnded = true;
        else
            _end += read;
    }

    // Hands buffered deflate data to the inflater: at most what it asks for, single bytes in the last 16 of the file.
    private int Feed(Span<byte> destination)
    {
        int k = Math.Min(destination.Length, _end - _start);
        if (_length >= 0)
        {
            long offset = _bufferOffset + _start;
            long tail = _length - TailLength;
            if (offset >= tail && offset < _length)
                k = Math.Min(k, 1);
            else if (offset < tail)
                k = (int)Math.Min(k, tail - offset);
        }

        _buffer.AsSpan(_start, k).CopyTo(destination);
        _chunkStart = _start;
        _chunkLength = k;
        _start += k;
        return k;
    }

    private int FeedInput(Span<byte> destination)
    {
        if (destination.IsEmpty)
            return 0;
        while (_start == _end && !_innerEnded)
            Fill();
        if (_start == _end)
        {
            _inputEnded = true;
            return 0;
        }

        return Feed(destination);
    }

    private async ValueTask<int> FeedInputAsync(Memory<byte> destination, CancellationToken cancellationToken)
    {
        if (destination.IsEmpty)
            return 0;
        while (_start == _end && !_innerEnded)
            await FillAsync(cancellationToken).ConfigureAwait(false);
        if (_start == _end)
        {
            _inputEnded = true;
            return 0;
        }

        return Feed(destination.Span);
    }

    private InvalidDataException DeflateError(InvalidDataException inner) =>
        new($"{_source}: the gzip data is corrupt: the compressed data of member {_member} (from byte {_memberOffset}) cannot be decompressed after {_size} bytes ({inner.Message})", inner);

    private InvalidDataException Truncated(string problem) => new($"{_source}: the gzip data is truncated: {problem}");

    private InvalidDataException Corrupt(string problem) => new($"{_source}: the gzip data is corrupt: {problem}");

    /// <summary>The deflate data of the current member, as the inflater reads it.</summary>
    private sealed class DeflateInput(GzipReadStream owner) : ReadOnlyStream
    {
        public override int Read(Span<byte> buffer) => owner.FeedInput(buffer);

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            owner.FeedInputAsync(buffer, cancellationToken);
    }
}

/// <summary>
/// A forward-only, read-only stream: subclasses implement the span and memory reads; the array overloads, and the
/// seeking and writing members (unsupported), are here once.
/// </summary>
internal abstract class ReadOnlyStream : Stream
{
    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public abstract override int Read(Span<byte> buffer);

    public abstract override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default);

    public override int Read(byte[] buffer, int offset, int count)
    {
        ValidateBufferArguments(buffer, offset, count);
        return Read(buffer.AsSpan(offset, count));
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        ValidateBufferArguments(buffer, offset, count);
        return ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
