using System.Globalization;

namespace MagvitSeg.Runtime;

/// <summary>
/// An OS lock on a run folder for the life of the process writing it: <c>&lt;run&gt;/.lock</c> holds the holder's pid, host
/// and start time, and a byte-range (POSIX record) lock on it that the OS drops when the process
/// ends, however it ends (kill -9 included). A second writer is refused with one line naming the holder. The file itself
/// stays behind after release; only the lock matters. Taking the lock also removes temp files that a crashed writer left.
/// </summary>
public sealed class RunLock : IDisposable
{
    /// <summary>The lock file's name inside a run folder.</summary>
    public const string FileName = ".lock";

    private readonly FileStream _file;

    // .NET's byte-range lock is a POSIX record lock: per process, and dropped when the process closes ANY handle to the
    // file. So a second lock inside this process is refused here, before the file is opened again.
    private static readonly HashSet<string> HeldHere = new(StringComparer.Ordinal);

    /// <summary>The locked folder.</summary>
    public string Folder { get; }

    private RunLock(string folder, FileStream file) { Folder = folder; _file = file; }

    /// <summary>Locks <paramref name="folder"/> (created if needed) and removes stale temp files in it.</summary>
    /// <param name="folder">The run folder.</param>
    /// <param name="log">Gets one line when stale temp files were removed.</param>
    /// <param name="recursive">Also clean sub-folders (a run folder this process alone writes, e.g. a tokenizer run).</param>
    /// <exception cref="IOException">Another process holds the folder (the message names it).</exception>
    public static RunLock Acquire(string folder, Action<string>? log = null, bool recursive = true)
    {
        string root = Path.GetFullPath(folder);
        Directory.CreateDirectory(root);
        string path = Path.Combine(root, FileName);
        lock (HeldHere)
            if (!HeldHere.Add(root))
                throw new IOException($"Run folder '{root}' is in use by another process (pid {Environment.ProcessId} on {Environment.MachineName}, this one); " +
                                      "wait for it to finish or stop it, or choose another --out.");
        try { return Lock(root, path, log, recursive); }
        catch { lock (HeldHere) HeldHere.Remove(root); throw; }
    }

    private static RunLock Lock(string root, string path, Action<string>? log, bool recursive)
    {
        FileStream? file = null;
        try
        {
            // macOS has no byte-range Lock in .NET: there the whole file is opened exclusively (flock), which also keeps the
            // holder line from being read.
            file = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite,
                                  OperatingSystem.IsMacOS() ? FileShare.None : FileShare.ReadWrite | FileShare.Delete);
            if (!OperatingSystem.IsMacOS()) file.Lock(0, 1);
        }
        catch (IOException)
        {
            file?.Dispose();
            string holder;
            try { holder = File.ReadAllText(path).Trim(); }
            catch (IOException) { holder = "unknown"; }
            throw new IOException($"Run folder '{root}' is in use by another process ({(holder.Length > 0 ? holder : "holder unknown")}); " +
                                  "wait for it to finish or stop it, or choose another --out.");
        }
        file.SetLength(0);
        var start = System.Diagnostics.Process.GetCurrentProcess().StartTime.ToUniversalTime();
        var info = System.Text.Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture,
            $"pid {Environment.ProcessId} on {Environment.MachineName}, started {start:yyyy-MM-dd HH:mm:ss} UTC\n"));
        file.Write(info);
        file.Flush(flushToDisk: true);
        var removed = RemoveStaleTemps(root, recursive);
        if (removed.Count > 0)
            log?.Invoke($"removed {removed.Count} stale temp file(s) left by an interrupted run in {root}: {string.Join(", ", removed.Select(p => Path.GetRelativePath(root, p)))}");
        return new RunLock(root, file);
    }

    /// <summary>
    /// Temp files of interrupted atomic writes: <c>NAME.tmp</c> (checkpoints, config.json, metrics, head.pt) and
    /// <c>NAME.tmp-PID-GUID</c> (<see cref="AtomicFile"/>). Only safe while holding the folder's lock.
    /// </summary>
    public static IReadOnlyList<string> RemoveStaleTemps(string folder, bool recursive)
    {
        var removed = new List<string>();
        foreach (var f in Directory.EnumerateFiles(folder, "*", recursive ? SearchOption.AllDirectories : SearchOption.TopDirectoryOnly))
        {
            string name = Path.GetFileName(f);
            if (!name.EndsWith(".tmp", StringComparison.Ordinal) && !name.Contains(".tmp-", StringComparison.Ordinal)) continue;
            File.Delete(f);
            removed.Add(f);
        }
        return removed;
    }

    /// <summary>Releases the lock (the OS does the same when the process dies).</summary>
    public void Dispose()
    {
        if (!OperatingSystem.IsMacOS())
            try { _file.Unlock(0, 1); } catch (IOException) { }
        _file.Dispose();
        lock (HeldHere) HeldHere.Remove(Folder);
    }
}
