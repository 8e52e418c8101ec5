"""Baseline for the import benchmark: Python's standard xml.etree.ElementTree.iterparse counting Record
elements of an Apple Health export.xml, clearing elements as the common tools do (e.g. applehealthdata,
healthkit-to-sqlite) so memory stays flat. Prints one JSON line: records, seconds, cpuSeconds (user + system since process start), peak RSS in MB."""
import json
import resource
import sys
import time
import xml.etree.ElementTree as ET


def main(path: str) -> None:
    t0 = time.perf_counter()
    records = 0
    root = None
    for event, elem in ET.iterparse(path, events=("start", "end")):
        if event == "start":
            if root is None:
                root = elem
            continue
        if elem.tag == "Record":
            records += 1
        # Top-level children are done: drop them (and their children) from the tree.
        if elem.tag in ("Record", "Workout", "ActivitySummary", "Correlation", "Me", "ExportDate"):
            elem.clear()
            if root is not None:
                root.clear()
    seconds = time.perf_counter() - t0
    usage = resource.getrusage(resource.RUSAGE_SELF)
    print(json.dumps({"records": records, "seconds": seconds, "cpuSeconds": usage.ru_utime + usage.ru_stime, "peakRssMB": usage.ru_maxrss / 1024}))


if __name__ == "__main__":
    main(sys.argv[1])
