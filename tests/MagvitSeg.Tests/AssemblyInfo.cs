// TorchSharp tests share libtorch's process-wide state (grad mode, RNG seeds, thread pools); running test classes
// concurrently made a gradient test flaky. The machine has 2 cores, so little is lost by running them one at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
