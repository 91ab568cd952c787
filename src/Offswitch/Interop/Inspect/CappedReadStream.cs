namespace Offswitch.Interop.Inspect;

/// <summary>
/// The bytes a log may decompress to, per entry and in all. A ZIP entry's declared size can be anything, so the cap is
/// counted on the bytes actually read: a log that holds one 1.5 GB string stops with a clear error at the cap, not with
/// an OutOfMemoryException after 2 GB.
/// </summary>
internal sealed class DecompressionBudget(long perEntryBytes, long totalBytes)
{
    /// <summary>
    /// Default caps: 128 MiB per entry (or per JSON log; Inspect's samples are rarely more than a few MiB), 1 GiB per
    /// archive. Parsing an entry at the cap takes about three times its size in memory.
    /// </summary>
    public static DecompressionBudget Default() => new(128L * 1024 * 1024, 1024L * 1024 * 1024);

    public long PerEntryBytes { get; } = perEntryBytes;

    public long TotalBytes { get; } = totalBytes;

    public long Used { get; set; }
}

/// <summary>A read-only stream that throws <see cref="InvalidDataException"/> once it has given more than its caps allow.</summary>
internal sealed class CappedReadStream(Stream inner, DecompressionBudget budget, string what) : Stream
{
    private long _read;

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => _read; set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Count(inner.Read(buffer, offset, count));

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        Count(await inner.ReadAsync(buffer, cancellationToken));

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    private int Count(int n)
    {
        _read += n;
        budget.Used += n;
        if (_read > budget.PerEntryBytes)
            throw new InvalidDataException($"{what} decompresses to more than {budget.PerEntryBytes / (1024 * 1024)} MiB, the most one entry may hold; it was not imported.");
        if (budget.Used > budget.TotalBytes)
            throw new InvalidDataException($"{what}: the log decompresses to more than {budget.TotalBytes / (1024 * 1024)} MiB in all, the most one log may hold; it was not imported.");
        return n;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
            inner.Dispose();
        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        await inner.DisposeAsync();
        await base.DisposeAsync();
    }
}
