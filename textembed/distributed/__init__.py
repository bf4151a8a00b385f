"""textembed's jobs across processes and machines.

* :mod:`.inputs`: local paths, globs, directories and fsspec URLs cut into
  partitions (a compressed file is one; a plain file is cut at line ends into
  blocks of about 128 MB), read with the decoding of
  :class:`textembed.io.TextSource`.
* :mod:`.partitions`: what one partition's task does (count its words, encode
  its shard of ids, classify its lines), and how results merge. Nothing there
  knows of an engine, so another engine could call the same functions.
* :mod:`.dask_driver`: the thin Dask driver (a client, the workers' checks,
  the tasks and their merge tree).

Dask and fsspec come with the extra ``textembed[dask]`` and are imported only
when these modules are used.
"""
